//! A peer of a userfaultfd: another thread's handle on the same fd, for resolving the faults the
//! owner's handler thread left unresolved (resolver `defer`, or no resolver). A JS worker thread
//! blocks in [`Peer::wait_deferred`] while the JS thread that faulted is stuck in the kernel, then
//! resolves with CONTINUE / write-protect / wake. Policy (what to put in the page) stays in JS.

pub mod napi;

use crate::error::{err, Errno, Result};
use crate::uffd::ioctl::{CONTINUE_MODE_WP, MODE_DONTWAKE};
use crate::uffd::{self, Event, Shared};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub struct Peer {
    shared: Arc<Shared>,
}

fn gone(id: u32) -> crate::error::Error {
    err(Errno::EBADFD, format!("userfaultfd {id} is closed"))
}

impl Peer {
    /// Attach to the live userfaultfd with handle `id`. ENOENT if there is none.
    pub fn attach(id: u32) -> Result<Peer> {
        let shared = uffd::lookup(id)
            .ok_or_else(|| err(Errno::ENOENT, format!("UserfaultfdPeer(id): no live userfaultfd {id}")))?;
        shared.peers.fetch_add(1, Ordering::SeqCst);
        Ok(Peer { shared })
    }

    /// The owner's state, unless the owner closed the userfaultfd (EBADFD).
    fn live(&self) -> Result<&Shared> {
        if self.shared.stopped() {
            return Err(gone(self.shared.id));
        }
        Ok(&self.shared)
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

    /// UFFDIO_CONTINUE with `mode` (UFFDIO_CONTINUE_MODE_DONTWAKE / _WP); returns bytes mapped.
    pub fn cont(&self, iova: u64, len: u64, mode: u64) -> Result<i64> {
        let s = self.live()?;
        if mode & !(MODE_DONTWAKE | CONTINUE_MODE_WP) != 0 {
            return Err(err(
                Errno::EINVAL,
                format!("peer.continue(mode): {mode:#x} has unknown bits"),
            ));
        }
        s.cont("peer", iova, len, mode)
    }

    pub fn write_protect(&self, iova: u64, len: u64, protect: bool, dontwake: bool) -> Result<()> {
        self.live()?.write_protect("peer", iova, len, protect, dontwake)
    }

    /// UFFDIO_COPY `len` bytes from arena `src` into missing pages at `dst`; returns bytes copied.
    pub fn copy(&self, dst: u64, src: u64, len: u64, dontwake: bool) -> Result<i64> {
        let mode = if dontwake { MODE_DONTWAKE } else { 0 };
        self.live()?.copy("peer", dst, src, len, mode)
    }

    /// UFFDIO_POISON: a later access of these missing pages raises SIGBUS (like a failed read
    /// behind `filemap_fault`); the waiters are woken. Bytes poisoned; EEXIST if a page is mapped.
    pub fn poison(&self, iova: u64, len: u64) -> Result<i64> {
        self.live()?.poison("peer", iova, len)
    }

    pub fn wake(&self, iova: u64, len: u64) -> Result<()> {
        self.live()?.wake("peer", iova, len)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.shared.peers.fetch_sub(1, Ordering::SeqCst);
    }
}
