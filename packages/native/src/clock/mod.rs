//! Per-thread CPU time: clock_gettime(CLOCK_THREAD_CPUTIME_ID), the CPU the calling thread has
//! used (user + system), nanoseconds. Node has no getter for it before v23.9
//! (`process.threadCpuUsage`), and `process.cpuUsage()` adds up every thread of the process.

pub mod napi;

use crate::error::{last_os, Result};

/// CPU time the calling thread has used since it started, in nanoseconds.
pub fn thread_cpu_time_ns() -> Result<u64> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec owned by this frame; the call only writes it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Err(last_os("clock_gettime(CLOCK_THREAD_CPUTIME_ID)"));
    }
    Ok(ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
}
