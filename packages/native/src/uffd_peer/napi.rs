//! The userfaultfd peer's napi binding: `UserfaultfdPeer`, a worker thread's handle on a live
//! `Userfaultfd`.

use super::Peer;
use crate::napi_util::u64_arg;
use crate::uffd::napi::{uclosed, UffdEvent};
use napi_derive::napi;

/// Another thread's handle on a live `Userfaultfd` (by its `id`): waits for the faults the
/// owner's handler left unresolved and resolves them. Faults are queued only while a peer is
/// attached. All ranges are arena (iova, len), page-aligned.
#[napi]
pub struct UserfaultfdPeer {
    inner: Option<Peer>,
}

#[napi]
impl UserfaultfdPeer {
    /// Attach to userfaultfd `id`. ENOENT when it does not exist or was closed.
    #[napi(constructor)]
    pub fn new(id: u32) -> napi::Result<Self> {
        Ok(UserfaultfdPeer {
            inner: Some(Peer::attach(id)?),
        })
    }
    /// Block up to `timeoutMs` for unresolved faults; returns up to `max` of them (maybe none),
    /// or null once the owner closed the userfaultfd.
    #[napi]
    pub fn wait_deferred(&self, timeout_ms: u32, max: u32) -> napi::Result<Option<Vec<UffdEvent>>> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.wait_deferred(timeout_ms, max as usize)
            .map(|v| v.iter().map(UffdEvent::from).collect()))
    }
    /// UFFDIO_CONTINUE; `mode` bits: 1 DONTWAKE, 2 WP (map write-protected). Returns bytes mapped.
    #[napi(js_name = "continue")]
    pub fn cont(&self, iova: f64, len: f64, mode: u32) -> napi::Result<f64> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.cont(
            u64_arg(iova, "peer.continue(iova)")?,
            u64_arg(len, "peer.continue(len)")?,
            mode as u64,
        )? as f64)
    }
    /// UFFDIO_COPY from arena `src` into missing pages at `dst` (MISSING faults); bytes copied.
    #[napi]
    pub fn copy(&self, dst: f64, src: f64, len: f64, dontwake: Option<bool>) -> napi::Result<f64> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.copy(
            u64_arg(dst, "peer.copy(dst)")?,
            u64_arg(src, "peer.copy(src)")?,
            u64_arg(len, "peer.copy(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi]
    pub fn write_protect(&self, iova: f64, len: f64, protect: bool, dontwake: Option<bool>) -> napi::Result<()> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.write_protect(
            u64_arg(iova, "peer.writeProtect(iova)")?,
            u64_arg(len, "peer.writeProtect(len)")?,
            protect,
            dontwake.unwrap_or(false),
        )?)
    }
    /// UFFDIO_POISON: later accesses of these not-yet-mapped pages raise SIGBUS; the waiters are
    /// woken. Returns bytes poisoned; EEXIST if a page is already mapped.
    #[napi]
    pub fn poison(&self, iova: f64, len: f64) -> napi::Result<f64> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.poison(u64_arg(iova, "peer.poison(iova)")?, u64_arg(len, "peer.poison(len)")?)? as f64)
    }
    #[napi]
    pub fn wake(&self, iova: f64, len: f64) -> napi::Result<()> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.wake(u64_arg(iova, "peer.wake(iova)")?, u64_arg(len, "peer.wake(len)")?)?)
    }
    /// Detach (the fd closes once the owner and every peer let go). Idempotent.
    #[napi]
    pub fn close(&mut self) {
        self.inner.take();
    }
}
