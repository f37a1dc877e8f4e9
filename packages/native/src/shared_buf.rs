//! Anonymous page-aligned memory owned by Rust and shared with JS as one ArrayBuffer
//! (the SQE staging area, the CQE output area, the control words of a ring).

use crate::error::{last_os, Result};
use std::sync::Arc;

pub struct SharedBuf {
    pub ptr: *mut u8,
    pub len: usize,
}

// SAFETY: plain anonymous memory; access is coordinated by the single JS thread and the ring.
unsafe impl Send for SharedBuf {}
unsafe impl Sync for SharedBuf {}

impl SharedBuf {
    pub fn new(len: usize) -> Result<Arc<SharedBuf>> {
        let len = len.max(1).div_ceil(4096) * 4096;
        // SAFETY: fresh private anonymous mapping.
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
        // SAFETY: the mapping is len bytes and lives as long as self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for SharedBuf {
    fn drop(&mut self) {
        // SAFETY: ptr/len from our mmap.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}
