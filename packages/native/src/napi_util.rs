//! Helpers every binding module shares: argument decoding and handing Rust-owned memory to JS.

use crate::error::{err, Errno, Result};
use napi::bindgen_prelude::ArrayBuffer;
use napi::Env;

/// A JS number that must be a non-negative safe integer (an IOVA, a length, a feature mask).
/// EINVAL naming `what` otherwise.
pub fn u64_arg(v: f64, what: &str) -> Result<u64> {
    if !((0.0..=9007199254740991.0).contains(&v) && v.fract() == 0.0) {
        return Err(err(
            Errno::EINVAL,
            format!("{what}: {v} is not a non-negative safe integer"),
        ));
    }
    Ok(v as u64)
}

/// Hand `len` bytes at `ptr` to JS as an ArrayBuffer that keeps `hold` alive until it is
/// collected.
///
/// # Safety
/// `ptr..ptr + len` must be memory that stays mapped and writable for as long as `hold` lives,
/// and no other ArrayBuffer may be created over it (napi requires one ArrayBuffer per external
/// allocation).
pub unsafe fn external<'e, T: 'static>(
    env: &'e Env,
    ptr: *mut u8,
    len: usize,
    hold: T,
) -> napi::Result<ArrayBuffer<'e>> {
    // SAFETY: the caller guarantees ptr..ptr+len stays mapped while `hold` lives and that this is
    // the only ArrayBuffer over it; napi moves `hold` into the finalizer, which drops it only when
    // the ArrayBuffer is collected.
    unsafe { ArrayBuffer::from_external(env, ptr, len, hold, |_, h| drop(h)) }
}
