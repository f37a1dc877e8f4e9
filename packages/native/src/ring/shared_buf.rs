//! Anonymous page-aligned memory owned by Rust and shared with JS as one ArrayBuffer
//! (the SQE staging area, the CQE output area, the control words of a ring).

use crate::error::{last_os, Result};
use std::sync::Arc;

pub struct SharedBuf {
    pub ptr: *mut u8,
    pub len: usize,
}

// SAFETY: a SharedBuf owns its anonymous mapping and has no thread affinity; its bytes are only
// reached through the unsafe `bytes()`, whose callers coordinate access (the ring's JS thread).
unsafe impl Send for SharedBuf {}
// SAFETY: `&SharedBuf` exposes only the pointer value and `bytes()`, whose contract covers races.
unsafe impl Sync for SharedBuf {}

impl SharedBuf {
    pub fn new(len: usize) -> Result<Arc<SharedBuf>> {
        let len = len.max(1).div_ceil(4096) * 4096;
        // SAFETY: a new private anonymous mapping at an address the kernel picks (null hint), so
        // no existing mapping is replaced.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(last_os("mmap of a ring buffer"));
        }
        Ok(Arc::new(SharedBuf { ptr: p.cast(), len }))
    }

    /// The buffer's bytes, writable.
    ///
    /// # Safety
    /// JS may hold a view on the same memory; the caller must run on the JS thread that owns
    /// the ring (so no JS code runs concurrently) and must not keep two of these alive at once.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn bytes(&self) -> &mut [u8] {
        // SAFETY: ptr..ptr+len is our mapping, valid for reads and writes as long as `self`; the
        // caller upholds the no-aliasing contract above.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for SharedBuf {
    fn drop(&mut self) {
        // SAFETY: ptr/len are our own mmap, unmapped only here; the JS ArrayBuffer over it holds
        // an Arc to this SharedBuf, so it is gone before the last Arc drops.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}
