//! userfaultfd's napi bindings: `uffdProbe` and the owner handle `Userfaultfd`.

use super::frames::{FrameRule, StateWords};
use super::{Event, Uffd};
use crate::arena;
use crate::error::{err, Errno};
use crate::napi_util::u64_arg;
use napi::bindgen_prelude::{FromNapiValue, Int32Array, Unknown};
use napi::{sys, JsValue};
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
    /// Pages frame resolvers mapped around faults (fault-around), beyond the faulting pages.
    pub around: f64,
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
    /// Serve faults in a range from per-page state words shared with JS (`state`: an Int32Array
    /// over a SharedArrayBuffer, one word per page): a page is served by the handler when
    /// `state[k] & mask == value` (CONTINUE, write-protected for reads if `wpReads`, with
    /// fault-around over `around` pages; or COPY from `copyFrom` at the same offset), which sets
    /// bit `dirty` before mapping it writable; every other fault is deferred to the peers.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn set_frame_resolver(
        &self,
        iova: f64,
        len: f64,
        state: Unknown<'_>,
        mask: i32,
        value: i32,
        dirty: i32,
        wp_reads: bool,
        around: u32,
        copy_from: Option<f64>,
    ) -> napi::Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        let iova = u64_arg(iova, "uffd.setFrameResolver(iova)")?;
        let len = u64_arg(len, "uffd.setFrameResolver(len)")?;
        let src = match copy_from {
            Some(c) => {
                let c = u64_arg(c, "uffd.setFrameResolver(copyFrom)")?;
                Some(arena::translate_pages(c, len, "uffd.setFrameResolver(copyFrom)")?)
            }
            None => None,
        };
        let words = shared_words(state)?;
        Ok(u.set_frame_resolver(iova, len, move |pages| {
            FrameRule::new(pages, words, mask, value, dirty, wp_reads, around, src)
        })?)
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
            around: g(&s.around),
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

/// The state words of a frame resolver: `v` must be an Int32Array over a SharedArrayBuffer (whose
/// memory can never be detached or freed while the reference this takes keeps the view alive).
fn shared_words(v: Unknown<'_>) -> napi::Result<StateWords> {
    let bad = |why: &str| -> napi::Error { err(Errno::EINVAL, format!("uffd.setFrameResolver(state): {why}")).into() };
    let (env, raw) = (v.value().env, v.raw());
    let mut is_typed = false;
    // SAFETY: `env` and `raw` are the live environment and argument of this call; napi writes one bool.
    if unsafe { sys::napi_is_typedarray(env, raw, &mut is_typed) } != sys::Status::napi_ok || !is_typed {
        return Err(bad("not an Int32Array"));
    }
    let (mut ty, mut len, mut data, mut ab, mut off) = (0, 0, std::ptr::null_mut(), std::ptr::null_mut(), 0);
    // SAFETY: `raw` is a typed array of `env`; napi writes only the five out-parameters.
    let st = unsafe { sys::napi_get_typedarray_info(env, raw, &mut ty, &mut len, &mut data, &mut ab, &mut off) };
    if st != sys::Status::napi_ok || ty != sys::TypedarrayType::int32_array {
        return Err(bad("not an Int32Array"));
    }
    let mut plain = true;
    // SAFETY: `ab` is the view's buffer napi just returned; napi writes one bool. A typed array's
    // buffer is an ArrayBuffer or a SharedArrayBuffer, and only the former answers true here.
    if unsafe { sys::napi_is_arraybuffer(env, ab, &mut plain) } != sys::Status::napi_ok || plain {
        return Err(bad(
            "its buffer is not a SharedArrayBuffer (an ArrayBuffer can be detached)",
        ));
    }
    if len > 0 && data.is_null() {
        return Err(bad("no memory behind the view"));
    }
    // SAFETY: `raw` is an Int32Array of `env` (checked above); the value takes a reference to it.
    let hold = unsafe { Int32Array::from_napi_value(env, raw) }?;
    // SAFETY: `data` is the view's first element (4-aligned in an Int32Array), `len` elements of a
    // SharedArrayBuffer, which is never detached, moved or freed while `hold` references the view;
    // JS touches these words only through `Atomics` (the frame resolver's contract).
    Ok(unsafe { StateWords::new(data as *const i32, len, Box::new(hold)) })
}
