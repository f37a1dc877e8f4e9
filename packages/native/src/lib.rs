//! biopath's native shim. This file holds only the `#[napi]` exports: decode, validate, call,
//! map errno. Each exported function documents what it guarantees and how it fails; failures
//! reach JS as `Error("<errno>|<message>")`, which src/index.ts turns into a BiopathError.
#![deny(clippy::all)]

mod arena;
mod device;
mod error;
mod ring;
mod shared_buf;
mod sqe_check;
mod uffd;
mod uffd_peer;

use error::{err, Result};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use std::sync::Arc;

fn u64_arg(v: f64, what: &str) -> Result<u64> {
    if !((0.0..=9007199254740991.0).contains(&v) && v.fract() == 0.0) {
        return Err(err(
            libc::EINVAL,
            format!("{what}: {v} is not a non-negative safe integer"),
        ));
    }
    Ok(v as u64)
}

/// Hand one Rust-owned mapping to JS as an ArrayBuffer that keeps `hold` alive until GC.
fn external<'e, T: 'static>(env: &'e Env, ptr: *mut u8, len: usize, hold: T) -> Result<ArrayBuffer<'e>> {
    // SAFETY: ptr..ptr+len is a live mapping kept alive by `hold` until the finalizer runs;
    // callers create exactly one ArrayBuffer per mapping.
    unsafe { ArrayBuffer::from_external(env, ptr, len, hold, |_, h| drop(h)) }
}

/// The JS object for a freshly registered region. If it cannot be built (napi refuses the
/// ArrayBuffer) the region is unregistered again, so a failed call leaves nothing behind.
fn region_object<'e>(env: &'e Env, m: Arc<arena::Mapping>, what: &str) -> Result<Object<'e>> {
    let id = m.id;
    let len = m.len;
    region_fields(env, m).map_err(|e| {
        let _ = arena::free(id);
        err(
            libc::ENOMEM,
            format!("{what}: cannot hand a {len}-byte region to JS: {}", e.reason),
        )
    })
}

fn region_fields<'e>(env: &'e Env, m: Arc<arena::Mapping>) -> Result<Object<'e>> {
    let mut o = Object::new(env)?;
    o.set("id", m.id)?;
    o.set("iova", arena::iova_of(m.id) as f64)?;
    o.set("size", m.len as f64)?;
    o.set("aliasOf", m.alias_of)?;
    let (p, l) = (m.ptr, m.len);
    o.set("buffer", external(env, p, l, m)?)?;
    Ok(o)
}

/// Create an arena region of `size` bytes (a positive multiple of 4096): memfd-backed,
/// MAP_SHARED, zero-filled. Returns `{ id, iova, size, aliasOf, buffer }`; `buffer` is the only
/// ArrayBuffer over this memory. EINVAL for a bad size, ENOMEM/ENOSPC when the kernel refuses.
#[napi]
pub fn arena_create<'e>(env: &'e Env, size: f64, hugepage: Option<bool>) -> Result<Object<'e>> {
    let m = arena::create(u64_arg(size, "arenaCreate(size)")? as usize, hugepage.unwrap_or(false))?;
    region_object(env, m, "arenaCreate")
}

/// Map region `id`'s memfd again at new addresses (same pages). Returns a new region object.
#[napi]
pub fn arena_alias<'e>(env: &'e Env, id: u32) -> Result<Object<'e>> {
    region_object(env, arena::alias(id)?, "arenaAlias")
}

/// Unregister region `id`: later IO naming it fails with EFAULT. The memory is unmapped once
/// its ArrayBuffer is collected and no ring holds it. ENOENT if there is no such region.
#[napi]
pub fn arena_free(id: u32) -> Result<()> {
    arena::free(id)
}

/// Number of arena regions currently registered (for leak checks).
#[napi]
pub fn arena_live_regions() -> u32 {
    arena::live() as u32
}

/// Copy `len` bytes between arena IOVAs inside the native layer (memmove semantics). EFAULT if
/// either range leaves its region.
#[napi]
pub fn arena_copy(dst: f64, src: f64, len: f64) -> Result<()> {
    let len = u64_arg(len, "arenaCopy(len)")?;
    let (d, _) = arena::translate(u64_arg(dst, "arenaCopy(dst)")?, len, "arenaCopy(dst)")?;
    let (s, _) = arena::translate(u64_arg(src, "arenaCopy(src)")?, len, "arenaCopy(src)")?;
    // SAFETY: both ranges were bounds-checked against live regions.
    unsafe { std::ptr::copy(s, d, len as usize) };
    Ok(())
}

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
    inner: Option<ring::Ring>,
    buffers_given: bool,
}

fn closed() -> napi::Error {
    err(libc::EBADFD, "ring is closed")
}

#[napi]
impl NativeRing {
    #[napi(constructor)]
    pub fn new(o: RingOptions) -> Result<Self> {
        if o.entries == 0 || o.entries > 32768 {
            return Err(err(
                libc::EINVAL,
                format!("createRing(entries): {} is not in 1..32768", o.entries),
            ));
        }
        let opts = ring::Options {
            entries: o.entries,
            cq_entries: o.cq_entries.unwrap_or(0),
            big: o.sqe128.unwrap_or(false),
            single_issuer: o.single_issuer.unwrap_or(false),
            defer_taskrun: o.defer_taskrun.unwrap_or(false),
            coop_taskrun: o.coop_taskrun.unwrap_or(false),
            sqpoll_idle_ms: o.sqpoll_idle_ms,
        };
        Ok(NativeRing {
            inner: Some(ring::create(&opts)?),
            buffers_given: false,
        })
    }

    /// `{ staging, cqes, ctl, sqEntries, cqEntries, sqeSize, cqeSize, features, flags, fd }`.
    /// Callable once per ring (each buffer must have exactly one ArrayBuffer); EBUSY after.
    #[napi]
    pub fn buffers<'e>(&mut self, env: &'e Env) -> Result<Object<'e>> {
        if self.buffers_given {
            return Err(err(libc::EBUSY, "ring.buffers(): already handed out"));
        }
        let r = self.inner.as_ref().ok_or_else(closed)?;
        let mut o = Object::new(env)?;
        with_core!(r, c => {
            let p = c.ring.params();
            o.set("sqEntries", p.sq_entries())?;
            o.set("cqEntries", p.cq_entries())?;
            o.set("fd", std::os::fd::AsRawFd::as_raw_fd(&c.ring))?;
            for (name, b) in [("staging", &c.staging), ("cqes", &c.cqes), ("ctl", &c.ctl)] {
                o.set(name, external(env, b.ptr, b.len, b.clone())?)?;
            }
        });
        let big = matches!(r, ring::Ring::Big(_));
        o.set("sqeSize", if big { 128 } else { 64 })?;
        o.set("cqeSize", if big { 32 } else { 16 })?;
        self.buffers_given = true;
        Ok(o)
    }

    /// Validate and submit staged SQEs 0..n, wait for `waitNr` completions, and copy available
    /// CQEs into the CQE area. Returns the number of CQEs copied; ctl[0] = SQEs accepted,
    /// ctl[1] = SQEs refused by validation. EBADFD when closed; errno of io_uring_enter otherwise.
    #[napi]
    pub fn submit(&mut self, n: u32, wait_nr: u32) -> Result<u32> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        with_core!(r, c => c.submit(n as usize, wait_nr as usize))
    }

    /// Copy available CQEs into the CQE area without submitting (runs deferred task work first
    /// when the ring needs it). Returns the count.
    #[napi]
    pub fn reap(&mut self) -> Result<u32> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        with_core!(r, c => c.reap())
    }

    /// Register buffers given as arena (iova, len) pairs; FIXED ops may then use them by index.
    /// EFAULT if a range leaves the arena; ENOMEM when RLIMIT_MEMLOCK is too small.
    #[napi]
    pub fn register_buffers(&mut self, iovas: Vec<f64>, lens: Vec<f64>) -> Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        if iovas.len() != lens.len() || iovas.is_empty() {
            return Err(err(
                libc::EINVAL,
                "registerBuffers(iovas, lens): need equal, non-empty lists",
            ));
        }
        let mut v = Vec::with_capacity(iovas.len());
        let mut holds = Vec::new();
        for (i, (&a, &l)) in iovas.iter().zip(&lens).enumerate() {
            let what = format!("registerBuffers(buffers[{i}])");
            let l = u64_arg(l, &what)?;
            let (p, m) = arena::translate(u64_arg(a, &what)?, l, &what)?;
            holds.push(m);
            v.push(libc::iovec {
                iov_base: p.cast(),
                iov_len: l as usize,
            });
        }
        with_core!(r, c => {
            // SAFETY: every iovec lies in a live region, kept mapped by `holds` stored below.
            unsafe { c.ring.submitter().register_buffers(&v) }.map_err(|e| error::from_io(e, "registerBuffers"))?;
            c.fixed = v.iter().map(|x| (x.iov_base as usize, x.iov_len)).collect();
            c.fixed_holds = holds;
        });
        Ok(())
    }

    #[napi]
    pub fn unregister_buffers(&mut self) -> Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        with_core!(r, c => {
            c.ring.submitter().unregister_buffers().map_err(|e| error::from_io(e, "unregisterBuffers"))?;
            c.fixed.clear();
            c.fixed_holds.clear();
        });
        Ok(())
    }

    /// Register files for IOSQE_FIXED_FILE use.
    #[napi]
    pub fn register_files(&mut self, fds: Vec<i32>) -> Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        with_core!(r, c => c.ring.submitter().register_files(&fds).map_err(|e| error::from_io(e, "registerFiles")))
    }

    #[napi]
    pub fn unregister_files(&mut self) -> Result<()> {
        let r = self.inner.as_mut().ok_or_else(closed)?;
        with_core!(r, c => c.ring.submitter().unregister_files().map_err(|e| error::from_io(e, "unregisterFiles")))
    }

    /// Supported opcodes (IORING_REGISTER_PROBE), as a list of opcode numbers.
    #[napi]
    pub fn probe(&self) -> Result<Vec<u32>> {
        let r = self.inner.as_ref().ok_or_else(closed)?;
        let mut p = io_uring::Probe::new();
        with_core!(r, c => c.ring.submitter().register_probe(&mut p).map_err(|e| error::from_io(e, "probe"))?);
        Ok((0..=255u8).filter(|&op| p.is_supported(op)).map(u32::from).collect())
    }

    /// Close the ring: pending IO is cancelled and reaped (up to 2 s), then the regions it held
    /// are released. IO the kernel still owns after that keeps its regions mapped for good.
    #[napi]
    pub fn close(&mut self) {
        self.inner.take();
    }
}

/// Wait on a libuv worker until `fd` (a ring's fd) is readable — the ring has completions — or
/// `timeoutMs` passes; resolves to true if it became readable. It never touches the ring and holds
/// no borrow of it, so the JS thread may keep submitting while it waits (SINGLE_ISSUER-safe).
#[napi(ts_return_type = "Promise<boolean>")]
pub fn poll_readable(fd: i32, timeout_ms: i32) -> AsyncTask<PollTask> {
    AsyncTask::new(PollTask { fd, timeout_ms })
}

pub struct PollTask {
    fd: i32,
    timeout_ms: i32,
}

impl Task for PollTask {
    type Output = bool;
    type JsValue = bool;
    fn compute(&mut self) -> Result<bool> {
        let mut p = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let r = unsafe { libc::poll(&mut p, 1, self.timeout_ms) };
        Ok(r > 0 && p.revents & libc::POLLIN != 0)
    }
    fn resolve(&mut self, _: Env, out: bool) -> Result<bool> {
        Ok(out)
    }
}

#[napi(object)]
pub struct DeviceInfo {
    pub is_block: bool,
    pub size: f64,
    pub logical_block_size: u32,
    pub physical_block_size: u32,
    pub dma_alignment: u32,
    pub max_sectors_kb: u32,
    pub max_hw_sectors_kb: u32,
    pub max_segments: u32,
    pub max_segment_size: u32,
    pub virt_boundary_mask: f64,
    pub rotational: bool,
    pub major: u32,
    pub minor: u32,
    pub name: String,
    pub nsid: i32,
    pub ng_path: String,
}

/// Open a block device or file; returns the fd (O_CLOEXEC, plus O_DIRECT/O_RDWR/O_CREAT as
/// asked). Errors carry the open(2) errno (ENOENT, EACCES, EINVAL for O_DIRECT on tmpfs...).
#[napi]
pub fn open_device(path: String, write: bool, direct: bool, create: Option<bool>) -> Result<i32> {
    device::open(&path, write, direct, create.unwrap_or(false))
}

/// close(2) of an fd `openDevice` returned. EBADF for any other fd (one a ring, userfaultfd or
/// anything else owns, or one already closed): a handle's fd is closed only by the handle.
#[napi]
pub fn close_fd(fd: i32) -> Result<()> {
    device::close(fd)
}

/// Size, block sizes and queue limits of an open block device (ioctls + sysfs) or file (statx).
#[napi]
pub fn device_info(fd: i32) -> Result<DeviceInfo> {
    let i = device::info(fd)?;
    Ok(DeviceInfo {
        is_block: i.is_block,
        size: i.size as f64,
        logical_block_size: i.logical_block_size,
        physical_block_size: i.physical_block_size,
        dma_alignment: i.dma_alignment,
        max_sectors_kb: i.max_sectors_kb,
        max_hw_sectors_kb: i.max_hw_sectors_kb,
        max_segments: i.max_segments,
        max_segment_size: i.max_segment_size,
        virt_boundary_mask: i.virt_boundary_mask as f64,
        rotational: i.rotational,
        major: i.major,
        minor: i.minor,
        name: i.name,
        nsid: i.nsid,
        ng_path: i.ng_path,
    })
}

#[napi(object)]
pub struct UffdProbe {
    pub features: f64,
    pub ioctls: f64,
}

/// userfaultfd API handshake on a throwaway fd: the features and ioctls this kernel offers.
#[napi]
pub fn uffd_probe() -> Result<UffdProbe> {
    let (f, i) = uffd::probe()?;
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

/// A userfaultfd with a handler thread. All ranges are arena (iova, len), page-aligned.
#[napi]
pub struct Userfaultfd {
    inner: Option<uffd::Uffd>,
}

fn uclosed() -> napi::Error {
    err(libc::EBADFD, "userfaultfd is closed")
}

#[napi]
impl Userfaultfd {
    /// Handshake requesting `features` (masked by the caller to what `uffdProbe` reported).
    #[napi(constructor)]
    pub fn new(features: f64) -> Result<Self> {
        Ok(Userfaultfd {
            inner: Some(uffd::Uffd::new(u64_arg(features, "userfaultfd(features)")?)?),
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
    pub fn register(&self, iova: f64, len: f64, mode: u32) -> Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.register(
            u64_arg(iova, "uffd.register(iova)")?,
            u64_arg(len, "uffd.register(len)")?,
            mode as u64,
        )? as f64)
    }
    #[napi]
    pub fn unregister(&self, iova: f64, len: f64) -> Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        u.unregister(
            u64_arg(iova, "uffd.unregister(iova)")?,
            u64_arg(len, "uffd.unregister(len)")?,
        )
    }
    /// How the handler thread serves faults in a range: 0 zero-fill, 1 copy from `srcIova`
    /// (same offset), 2 CONTINUE (MINOR), 3 defer to JS (logged only).
    #[napi]
    pub fn set_resolver(&self, iova: f64, len: f64, kind: u32, src_iova: Option<f64>) -> Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        let src = u64_arg(src_iova.unwrap_or(0.0), "uffd.setResolver(srcIova)")?;
        u.set_resolver(
            u64_arg(iova, "uffd.setResolver(iova)")?,
            u64_arg(len, "uffd.setResolver(len)")?,
            kind,
            src,
        )
    }
    #[napi]
    pub fn copy(&self, dst: f64, src: f64, len: f64, dontwake: Option<bool>) -> Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.copy(
            u64_arg(dst, "uffd.copy(dst)")?,
            u64_arg(src, "uffd.copy(src)")?,
            u64_arg(len, "uffd.copy(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi]
    pub fn zeropage(&self, iova: f64, len: f64, dontwake: Option<bool>) -> Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.zeropage(
            u64_arg(iova, "uffd.zeropage(iova)")?,
            u64_arg(len, "uffd.zeropage(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi(js_name = "continue")]
    pub fn cont(&self, iova: f64, len: f64, dontwake: Option<bool>) -> Result<f64> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(u.cont(
            u64_arg(iova, "uffd.continue(iova)")?,
            u64_arg(len, "uffd.continue(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi]
    pub fn wake(&self, iova: f64, len: f64) -> Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        u.wake(u64_arg(iova, "uffd.wake(iova)")?, u64_arg(len, "uffd.wake(len)")?)
    }
    #[napi]
    pub fn write_protect(&self, iova: f64, len: f64, protect: bool, dontwake: Option<bool>) -> Result<()> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        u.write_protect(
            u64_arg(iova, "uffd.writeProtect(iova)")?,
            u64_arg(len, "uffd.writeProtect(len)")?,
            protect,
            dontwake.unwrap_or(false),
        )
    }
    #[napi]
    pub fn stats(&self) -> Result<UffdStats> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        let s = &u.shared.stats;
        let g = |a: &std::sync::atomic::AtomicU64| a.load(std::sync::atomic::Ordering::Relaxed) as f64;
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
    pub fn drain_events(&self) -> Result<Vec<UffdEvent>> {
        let u = self.inner.as_ref().ok_or_else(uclosed)?;
        let ev = std::mem::take(&mut *u.shared.events.lock().unwrap());
        Ok(ev
            .iter()
            .map(|e| UffdEvent {
                iova: e.iova as f64,
                flags: e.flags as u32,
                tid: e.tid,
                resolved_by: e.resolved_by as i32,
            })
            .collect())
    }
    /// Stop the handler thread and close the fd. Idempotent.
    #[napi]
    pub fn close(&mut self) {
        self.inner.take();
    }
}

/// Map `len` bytes of region `id` from byte `offset` a second time (same pages): a view of a
/// slice. Returns a new region object (`aliasOf` = `id`). ENOENT for no such region, EINVAL for
/// a slice that is empty, not page-aligned or leaves the region.
#[napi]
pub fn arena_alias_range<'e>(env: &'e Env, id: u32, offset: f64, len: f64) -> Result<Object<'e>> {
    let off = u64_arg(offset, "arenaAliasRange(offset)")? as usize;
    let len = u64_arg(len, "arenaAliasRange(len)")? as usize;
    region_object(env, arena::alias_range(id, off, len)?, "arenaAliasRange")
}

/// Drop the page-table entries of a page-aligned arena range (MADV_DONTNEED): the memfd keeps the
/// data and the next access faults again. EINVAL unaligned, EFAULT outside every region.
#[napi]
pub fn arena_zap_range(iova: f64, len: f64) -> Result<()> {
    arena::zap_range(
        u64_arg(iova, "arenaZapRange(iova)")?,
        u64_arg(len, "arenaZapRange(len)")?,
    )
}

/// Another thread's handle on a live `Userfaultfd` (by its `id`): waits for the faults the
/// owner's handler left unresolved and resolves them. Faults are queued only while a peer is
/// attached. All ranges are arena (iova, len), page-aligned.
#[napi]
pub struct UserfaultfdPeer {
    inner: Option<uffd_peer::Peer>,
}

#[napi]
impl UserfaultfdPeer {
    /// Attach to userfaultfd `id`. ENOENT when it does not exist or was closed.
    #[napi(constructor)]
    pub fn new(id: u32) -> Result<Self> {
        Ok(UserfaultfdPeer {
            inner: Some(uffd_peer::Peer::attach(id)?),
        })
    }
    /// Block up to `timeoutMs` for unresolved faults; returns up to `max` of them (maybe none),
    /// or null once the owner closed the userfaultfd.
    #[napi]
    pub fn wait_deferred(&self, timeout_ms: u32, max: u32) -> Result<Option<Vec<UffdEvent>>> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.wait_deferred(timeout_ms, max as usize).map(|v| {
            v.iter()
                .map(|e| UffdEvent {
                    iova: e.iova as f64,
                    flags: e.flags as u32,
                    tid: e.tid,
                    resolved_by: e.resolved_by as i32,
                })
                .collect()
        }))
    }
    /// UFFDIO_CONTINUE; `mode` bits: 1 DONTWAKE, 2 WP (map write-protected). Returns bytes mapped.
    #[napi(js_name = "continue")]
    pub fn cont(&self, iova: f64, len: f64, mode: u32) -> Result<f64> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.cont(
            u64_arg(iova, "peer.continue(iova)")?,
            u64_arg(len, "peer.continue(len)")?,
            mode as u64,
        )? as f64)
    }
    /// UFFDIO_COPY from arena `src` into missing pages at `dst` (MISSING faults); bytes copied.
    #[napi]
    pub fn copy(&self, dst: f64, src: f64, len: f64, dontwake: Option<bool>) -> Result<f64> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.copy(
            u64_arg(dst, "peer.copy(dst)")?,
            u64_arg(src, "peer.copy(src)")?,
            u64_arg(len, "peer.copy(len)")?,
            dontwake.unwrap_or(false),
        )? as f64)
    }
    #[napi]
    pub fn write_protect(&self, iova: f64, len: f64, protect: bool, dontwake: Option<bool>) -> Result<()> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        p.write_protect(
            u64_arg(iova, "peer.writeProtect(iova)")?,
            u64_arg(len, "peer.writeProtect(len)")?,
            protect,
            dontwake.unwrap_or(false),
        )
    }
    /// UFFDIO_POISON: later accesses of these not-yet-mapped pages raise SIGBUS; the waiters are
    /// woken. Returns bytes poisoned; EEXIST if a page is already mapped.
    #[napi]
    pub fn poison(&self, iova: f64, len: f64) -> Result<f64> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        Ok(p.poison(u64_arg(iova, "peer.poison(iova)")?, u64_arg(len, "peer.poison(len)")?)? as f64)
    }
    #[napi]
    pub fn wake(&self, iova: f64, len: f64) -> Result<()> {
        let p = self.inner.as_ref().ok_or_else(uclosed)?;
        p.wake(u64_arg(iova, "peer.wake(iova)")?, u64_arg(len, "peer.wake(len)")?)
    }
    /// Detach (the fd closes once the owner and every peer let go). Idempotent.
    #[napi]
    pub fn close(&mut self) {
        self.inner.take();
    }
}
