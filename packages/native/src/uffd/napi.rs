//! userfaultfd's napi bindings: `uffdProbe` and the owner handle `Userfaultfd`.

use super::{Event, Uffd};
use crate::error::{err, Errno};
use crate::napi_util::u64_arg;
use napi_derive::napi;
use std::sync::atomic::{AtomicU64, Ordering};

#[napi(object)]
pub struct UffdProbe {
    pub features: f64,
    pub ioctls: f64,
}

/// userfaultfd API handshake on a throwaway fd: the features and ioctls this kernel offers.
#[napi]
pub fn uffd_probe() -> napi::Result<UffdProbe> {
    let (f, i) = super::probe()?;
    Ok(UffdProbe {
        features: f as f64,
        ioctls: i as f64,
    })
}

#[napi(object)]
pub struct UffdStats {
    pub missing: f64,
    pub minor: f64,
    pub wp: f64,
    pub deferred: f64,
    pub errors: f64,
    pub dropped_events: f64,
}

#[napi(object)]
pub struct UffdEvent {
    pub iova: f64,
    pub flags: u32,
    pub tid: u32,
    pub resolved_by: i32,
}

impl From<&Event> for UffdEvent {
    fn from(e: &Event) -> UffdEvent {
        UffdEvent {
            iova: e.iova as f64,
            flags: e.flags as u32,
            tid: e.tid,
            resolved_by: e.resolved_by as i32,
        }
    }
}

/// The error of a call on a closed handle (owner or peer).
pub(crate) fn uclosed() -> napi::Error {
    err(Errno::EBADFD, "userfaultfd is closed").into()
}

/// A userfaultfd with a handler thread. All ranges are arena (iova, len), page-aligned.
#[napi]
pub struct Userfaultfd {
    inner: Option<Uffd>,
}

#[napi]
impl Userfaultfd {
    /// Handshake requesting `features` (masked by the caller to what `uffdProbe` reported).
    #[napi(constructor)]
    pub fn new(features: f64) -> napi::Result<Self> {
        Ok(Userfaultfd {
            inner: Some(Uffd::new(u64_arg(features, "userfaultfd(features)")?)?),
        })
    }
    /// Process-wide handle a worker thread attaches a `UserfaultfdPeer` by; 0 once closed.
    #[napi(getter)]
    pub fn id(&self) -> u32 {
        self.inner.as_ref().map(|u| u.shared.id).unwrap_or(0)
    }
    #[napi(getter)]
    pub fn features(&self) -> f64 {
        self.inner.as_ref().map(|u| u.features as f64).unwrap_or(0.0)
    }
    /// UFFDIO_REGISTER with mode bits MISSING=1, WP=2, MINOR=4; returns the ioctl mask.
    #[napi]
    pub fn register(&self, iova: f64, len: f64, mode: u32) -> napi::Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.register(
            u64_arg(iova, "uffd.register(iova)")?,
            u64_arg(len, "uffd.register(len)")?,
            mode as u64,
        )? as f64)
    }
    #[napi]
    pub fn unregister(&self, iova: f64, len: f64) -> napi::Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.unregister(
            u64_arg(iova, "uffd.unregister(iova)")?,
            u64_arg(len, "uffd.unregister(len)")?,
        )?)
    }
    /// How the handler thread serves faults in a range: 0 zero-fill, 1 copy from `srcIova`
    /// (same offset), 2 CONTINUE (MINOR), 3 defer to JS (logged only).
    #[napi]
    pub fn set_resolver(&self, iova: f64, len: f64, kind: u32, src_iova: Option<f64>) -> napi::Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        let src = u64_arg(src_iova.unwrap_or(0.0), "uffd.setResolver(srcIova)")?;
        Ok(u.set_resolver(
            u64_arg(iova, "uffd.setResolver(iova)")?,
            u64_arg(len, "uffd.setResolver(len)")?,
            kind,
            src,
        )?)
    }
    #[napi]
    pub fn copy(&self, dst: f64, src: f64, len: f64, dontwake: Option<bool>) -> napi::Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.copy(
            u64_arg(dst, "uffd.copy(dst)")?,
            u64_arg(src, "uffd.copy(src)")?,
            u64_arg(len, "uffd.copy(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi]
    pub fn zeropage(&self, iova: f64, len: f64, dontwake: Option<bool>) -> napi::Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.zeropage(
            u64_arg(iova, "uffd.zeropage(iova)")?,
            u64_arg(len, "uffd.zeropage(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi(js_name = "continue")]
    pub fn cont(&self, iova: f64, len: f64, dontwake: Option<bool>) -> napi::Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.cont(
            u64_arg(iova, "uffd.continue(iova)")?,
            u64_arg(len, "uffd.continue(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi]
    pub fn wake(&self, iova: f64, len: f64) -> napi::Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.wake(u64_arg(iova, "uffd.wake(iova)")?, u64_arg(len, "uffd.wake(len)")?)?)
    }
    #[napi]
    pub fn write_protect(&self, iova: f64, len: f64, protect: bool, dontwake: Option<bool>) -> napi::Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.write_protect(
            u64_arg(iova, "uffd.writeProtect(iova)")?,
            u64_arg(len, "uffd.writeProtect(len)")?,
            protect,
            dontwake.unwrap_or(false),
        )?)
    }
    #[napi]
    pub fn stats(&self) -> napi::Result<UffdStats> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        let s = &u.shared.stats;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64;
        Ok(UffdStats {
            missing: g(&s.missing),
            minor: g(&s.minor),
            wp: g(&s.wp),
            deferred: g(&s.deferred),
            errors: g(&s.errors),
            dropped_events: g(&s.dropped_events),
        })
    }
    /// Take the fault log (IOVA, fault flags, thread id, resolver used or -1 when left to JS).
    #[napi]
    pub fn drain_events(&self) -> napi::Result<Vec<UffdEvent>> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        let ev = std::mem::take(&mut *u.shared.events.lock().unwrap());
        Ok(ev.iter().map(UffdEvent::from).collect())
    }
    /// Stop the handler thread and close the fd. Idempotent.
    #[napi]
    pub fn close(&mut self) {
        self.inner.take();
    }
}
