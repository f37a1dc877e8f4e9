//! A peer of a userfaultfd: another thread's handle on the same fd, for resolving the faults the
//! owner's handler thread left unresolved (resolver `defer`, or no resolver). A JS worker thread
//! blocks in [`Peer::wait_deferred`] while the JS thread that faulted is stuck in the kernel, then
//! resolves with CONTINUE / write-protect / wake. Policy (what to put in the page) stays in JS.

use crate::arena;
use crate::error::{err, Result};
use crate::uffd::{self, Event, Shared, UFFDIO_CONTINUE, UFFDIO_COPY, UFFDIO_POISON, UFFDIO_WAKE, UFFDIO_WRITEPROTECT};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// UFFDIO_CONTINUE_MODE_DONTWAKE / UFFDIO_CONTINUE_MODE_WP.
pub const CONTINUE_MODE_DONTWAKE: u64 = 1;
pub const CONTINUE_MODE_WP: u64 = 2;

pub struct Peer {
    shared: Arc<Shared>,
}

fn gone(id: u32) -> napi::Error {
    err(libc::EBADFD, format!("userfaultfd {id} is closed"))
}

impl Peer {
    /// Attach to the live userfaultfd with handle `id`. ENOENT if there is none.
    pub fn attach(id: u32) -> Result<Peer> {
        let shared = uffd::lookup(id)
            .ok_or_else(|| err(libc::ENOENT, format!("UserfaultfdPeer(id): no live userfaultfd {id}")))?;
        shared.peers.fetch_add(1, Ordering::SeqCst);
        Ok(Peer { shared })
    }

    fn live(&self) -> Result<i32> {
        if self.shared.stopped() {
            return Err(gone(self.shared.id));
        }
        Ok(self.shared.raw_fd())
    }

    /// Take up to `max` queued unresolved faults, waiting up to `timeout_ms` for the first.
    /// `None` once the owner closed the userfaultfd.
    pub fn wait_deferred(&self, timeout_ms: u32, max: usize) -> Option<Vec<Event>> {
        let s = &self.shared;
        let mut q = s.pending.lock().unwrap();
        if q.is_empty() && !s.stopped() {
            q = s
                .pending_cv
                .wait_timeout_while(q, Duration::from_millis(timeout_ms as u64), |q| {
                    q.is_empty() && !s.stopped()
                })
                .unwrap()
                .0;
        }
        if s.stopped() {
            return None;
        }
        let n = q.len().min(max.max(1));
        Some(q.drain(..n).collect())
    }

    /// UFFDIO_CONTINUE with `mode` (CONTINUE_MODE_*); returns bytes mapped.
    pub fn cont(&self, iova: u64, len: u64, mode: u64) -> Result<i64> {
        let fd = self.live()?;
        if mode & !(CONTINUE_MODE_DONTWAKE | CONTINUE_MODE_WP) != 0 {
            return Err(err(
                libc::EINVAL,
                format!("peer.continue(mode): {mode:#x} has unknown bits"),
            ));
        }
        let (p, _) = uffd::range(iova, len, "peer.continue")?;
        let mut a = [p as u64, len, mode, 0];
        uffd::ioctl_arr(fd, UFFDIO_CONTINUE, &mut a, "peer.continue")?;
        Ok(a[3] as i64)
    }

    pub fn write_protect(&self, iova: u64, len: u64, protect: bool, dontwake: bool) -> Result<()> {
        let fd = self.live()?;
        let (p, _) = uffd::range(iova, len, "peer.writeProtect")?;
        let mode = (protect as u64) | ((dontwake as u64) << 1);
        uffd::ioctl_arr(fd, UFFDIO_WRITEPROTECT, &mut [p as u64, len, mode], "peer.writeProtect")
    }

    /// UFFDIO_COPY `len` bytes from arena `src` into missing pages at `dst`; returns bytes copied.
    pub fn copy(&self, dst: u64, src: u64, len: u64, dontwake: bool) -> Result<i64> {
        let fd = self.live()?;
        let (d, _) = uffd::range(dst, len, "peer.copy(dst)")?;
        let (s, _hold) = arena::translate(src, len, "peer.copy(src)")?;
        let mut a = [d as u64, s as u64, len, dontwake as u64, 0];
        uffd::ioctl_arr(fd, UFFDIO_COPY, &mut a, "peer.copy")?;
        Ok(a[4] as i64)
    }

    /// UFFDIO_POISON: install poison markers over the missing pages at `iova` (a later access
    /// raises SIGBUS, like a failed read behind `filemap_fault`) and wake the waiters; returns
    /// bytes poisoned. EEXIST when a page there is already mapped.
    pub fn poison(&self, iova: u64, len: u64) -> Result<i64> {
        let fd = self.live()?;
        let (p, _) = uffd::range(iova, len, "peer.poison")?;
        let mut a = [p as u64, len, 0, 0];
        uffd::ioctl_arr(fd, UFFDIO_POISON, &mut a, "peer.poison")?;
        Ok(a[3] as i64)
    }

    pub fn wake(&self, iova: u64, len: u64) -> Result<()> {
        let fd = self.live()?;
        let (p, _) = uffd::range(iova, len, "peer.wake")?;
        uffd::ioctl_arr(fd, UFFDIO_WAKE, &mut [p as u64, len], "peer.wake")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.shared.peers.fetch_sub(1, Ordering::SeqCst);
    }
}
