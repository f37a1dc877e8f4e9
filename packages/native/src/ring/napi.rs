//! The ring's napi bindings: `NativeRing` (create, hand out the shared buffers once, submit, reap,
//! register buffers and files, probe, watch for completions on the event loop, close).

use super::{Options, Ring, Watch};
use crate::arena;
use crate::error::{err, Errno};
use crate::napi_util::{external, u64_arg};
use napi::bindgen_prelude::{Function, JsValue, Object};
use napi::Env;
use napi_derive::napi;

#[napi(object)]
pub struct RingOptions {
    pub entries: u32,
    pub cq_entries: Option<u32>,
    pub sqe128: Option<bool>,
    pub single_issuer: Option<bool>,
    pub defer_taskrun: Option<bool>,
    pub coop_taskrun: Option<bool>,
    pub sqpoll_idle_ms: Option<u32>,
}

/// An io_uring instance. TS writes SQEs into the staging ring `buffers().staging` (slot
/// `k & (sqEntries-1)`, advancing ctl[5]) with arena IOVAs in their address fields; `submit(n,
/// wait)` validates staged SQEs from ctl[4], turns any SQE naming memory outside the arena into
/// a NOP completing with -EFAULT (or -EINVAL for an opcode it cannot check), submits, waits,
/// and appends CQEs to the CQE ring `buffers().cqes` (ctl[7]) without overwriting any that TS
/// has not consumed (ctl[6]).
#[napi]
pub struct NativeRing {
    inner: Option<Ring>,
    buffers_given: bool,
    /// The completion watch, if armed. It must end before the ring closes its fd: `close()` and
    /// `Drop` take it first.
    watch: Option<Watch>,
}

impl Drop for NativeRing {
    fn drop(&mut self) {
        self.watch.take();
        self.inner.take();
    }
}

fn closed() -> napi::Error {
    err(Errno::EBADFD, "ring is closed").into()
}

#[napi]
impl NativeRing {
    #[napi(constructor)]
    pub fn new(o: RingOptions) -> napi::Result<Self> {
        if o.entries == 0 || o.entries > 32768 {
            return Err(err(
                Errno::EINVAL,
                format!("createRing(entries): {} is not in 1..32768", o.entries),
            )
            .into());
        }
        let opts = Options {
            entries: o.entries,
            cq_entries: o.cq_entries.unwrap_or(0),
            big: o.sqe128.unwrap_or(false),
            single_issuer: o.single_issuer.unwrap_or(false),
            defer_taskrun: o.defer_taskrun.unwrap_or(false),
            coop_taskrun: o.coop_taskrun.unwrap_or(false),
            sqpoll_idle_ms: o.sqpoll_idle_ms,
        };
        Ok(NativeRing {
            inner: Some(Ring::create(&opts)?),
            buffers_given: false,
            watch: None,
        })
    }

    /// `{ staging, cqes, ctl, sqEntries, cqEntries, sqeSize, cqeSize, features, flags, fd }`.
    /// Callable once per ring (each buffer must have exactly one ArrayBuffer); EBUSY after.
    #[napi]
    pub fn buffers<'e>(&mut self, env: &'e Env) -> napi::Result<Object<'e>> {
        if self.buffers_given {
            return Err(err(Errno::EBUSY, "ring.buffers(): already handed out").into());
        }
        let l = self.inner.as_ref().ok_or_else(closed)?.layout();
        let mut o = Object::new(env)?;
        o.set("sqEntries", l.sq_entries)?;
        o.set("cqEntries", l.cq_entries)?;
        o.set("fd", l.fd)?;
        for (name, b) in [("staging", l.staging), ("cqes", l.cqes), ("ctl", l.ctl)] {
            let (p, len) = (b.ptr, b.len);
            // SAFETY: p..p+len is the SharedBuf `b`, mapped while the Arc the finalizer keeps
            // lives; `buffers_given` makes this the only ArrayBuffer ever made over it.
            o.set(name, unsafe { external(env, p, len, b) }?)?;
        }
        o.set("sqeSize", l.sqe_size)?;
        o.set("cqeSize", l.cqe_size)?;
        self.buffers_given = true;
        Ok(o)
    }

    /// Validate and submit staged SQEs 0..n, wait for `waitNr` completions, and copy available
    /// CQEs into the CQE area. Returns the number of CQEs copied; ctl[0] = SQEs accepted,
    /// ctl[1] = SQEs refused by validation. EBADFD when closed; errno of io_uring_enter otherwise.
    #[napi]
    pub fn submit(&mut self, n: u32, wait_nr: u32) -> napi::Result<u32> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        Ok(r.submit(n as usize, wait_nr as usize)?)
    }

    /// Copy available CQEs into the CQE area without submitting (runs deferred task work first
    /// when the ring needs it). Returns the count.
    #[napi]
    pub fn reap(&mut self) -> napi::Result<u32> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        Ok(r.reap()?)
    }

    /// Register buffers given as arena (iova, len) pairs; FIXED ops may then use them by index.
    /// EFAULT if a range leaves the arena; ENOMEM when RLIMIT_MEMLOCK is too small.
    #[napi]
    pub fn register_buffers(&mut self, iovas: Vec<f64>, lens: Vec<f64>) -> napi::Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        if iovas.len() != lens.len() || iovas.is_empty() {
            return Err(err(
                Errno::EINVAL,
                "registerBuffers(iovas, lens): need equal, non-empty lists",
            )
            .into());
        }
        let mut bufs = Vec::with_capacity(iovas.len());
        for (i, (&a, &l)) in iovas.iter().zip(&lens).enumerate() {
            let what = format!("registerBuffers(buffers[{i}])");
            let l = u64_arg(l, &what)?;
            bufs.push(arena::translate(u64_arg(a, &what)?, l, &what)?);
        }
        Ok(r.register_buffers(bufs)?)
    }

    #[napi]
    pub fn unregister_buffers(&mut self) -> napi::Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        Ok(r.unregister_buffers()?)
    }

    /// Register files for IOSQE_FIXED_FILE use.
    #[napi]
    pub fn register_files(&mut self, fds: Vec<i32>) -> napi::Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        Ok(r.register_files(&fds)?)
    }

    #[napi]
    pub fn unregister_files(&mut self) -> napi::Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        Ok(r.unregister_files()?)
    }

    /// Supported opcodes (IORING_REGISTER_PROBE), as a list of opcode numbers.
    #[napi]
    pub fn probe(&self) -> napi::Result<Vec<u32>> {
        let r = self.inner.as_ref().ok_or_else(closed)?;
        Ok(r.probe()?)
    }

    /// Call `callback(status)` on this thread's event loop each loop turn the ring has
    /// completions (`status` is 0, or a negative libuv errno if polling failed) — no thread, no
    /// spinning. The callback should reap, or it is called again on the next turn. `eventfd`
    /// false: poll the ring fd (readable while its CQ holds entries); true: an eventfd registered
    /// with the ring, read (cleared) before each call — the only way to hear of DEFER_TASKRUN
    /// completions, one read(2) per wake. The callback is held weakly: keep it reachable from JS.
    /// The watch starts unreferenced (it does not keep the process alive; see `watchRef`) and
    /// ends with `unwatch()` or `close()`, after which the callback is never called. EBUSY if
    /// already watching, EBADFD when closed.
    #[napi(ts_args_type = "callback: (status: number) => void, eventfd: boolean")]
    pub fn watch(&mut self, env: &Env, callback: Function, eventfd: bool) -> napi::Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        if self.watch.as_ref().is_some_and(Watch::is_open) {
            return Err(err(Errno::EBUSY, "ring.watch(): already watching").into());
        }
        let (fd, drain) = if eventfd {
            let e = r.eventfd()?;
            (e, Some(e))
        } else {
            (r.layout().fd, None)
        };
        // SAFETY: we are inside a napi call on `env`'s thread and `callback` is one of its
        // values; the ring and its eventfd stay open until `close()`/Drop, which end the watch
        // first.
        self.watch = Some(unsafe { Watch::start(env.raw(), fd, drain, callback.raw()) }?);
        Ok(())
    }

    /// Whether the watch keeps the event loop alive (true while someone waits for completions).
    /// A no-op when not watching.
    #[napi]
    pub fn watch_ref(&self, on: bool) {
        if let Some(w) = &self.watch {
            w.set_ref(on);
        }
    }

    /// Stop watching; the callback is never called after this returns. Idempotent.
    #[napi]
    pub fn unwatch(&mut self) {
        self.watch.take();
    }

    /// Close the ring: the watch ends, pending IO is cancelled and reaped (up to 2 s), then the
    /// regions it held are released. IO the kernel still owns after that keeps its regions mapped
    /// for good.
    #[napi]
    pub fn close(&mut self) {
        self.watch.take();
        self.inner.take();
    }
}
