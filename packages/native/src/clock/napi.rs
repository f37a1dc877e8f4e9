//! The thread CPU clock's napi binding.

use napi_derive::napi;

/// CPU time the calling (JS main) thread has used, nanoseconds, as a double (exact below 2^53 ns,
/// about 104 days of CPU).
#[napi]
pub fn thread_cpu_time_ns() -> napi::Result<f64> {
    Ok(super::thread_cpu_time_ns()? as f64)
}
