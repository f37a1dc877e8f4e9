//! userfaultfd over arena regions: handshake, registration, the resolving ioctls, and a handler
//! thread that serves faults off the JS thread (so a fault raised by JS itself cannot deadlock).
//!
//! The handler holds no policy beyond a per-range resolver chosen by TS: fill with zeroes, copy
//! from another region, CONTINUE (MINOR), defer to JS, or serve from per-page state words JS
//! shares (`frames.rs`: map what JS marked servable, defer the rest). Write-protect faults are
//! logged and the page is un-protected so the writer proceeds (dirty tracking). Every range is an
//! arena range.

pub mod frames;
pub mod ioctl;
pub mod napi;

use crate::arena::{self, Held};
use crate::error::{err, last_os, Errno, Result};
use frames::{FrameRule, Served};
use ioctl::{Span, UffdFd, MODE_DONTWAKE};
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};

const UFFD_EVENT_PAGEFAULT: u8 = 0x12;
pub const FLAG_WRITE: u64 = 1;
pub const FLAG_WP: u64 = 2;
const PAGE: usize = 4096;
const MAX_EVENTS: usize = 65536;

pub const RESOLVE_ZERO: u32 = 0;
pub const RESOLVE_COPY: u32 = 1;
pub const RESOLVE_CONTINUE: u32 = 2;
pub const RESOLVE_DEFER: u32 = 3;
/// Logged as `resolved_by` for write-protect faults: the page was un-protected.
pub const RESOLVED_UNPROTECT: u32 = 4;
/// Serve from per-page state words (`frames.rs`); logged as CONTINUE or COPY when resolved here.
pub const RESOLVE_FRAMES: u32 = 5;

/// How faults in `dst` are served. Holding `dst` (and `src` for RESOLVE_COPY, the state words and
/// backing for RESOLVE_FRAMES) keeps them alive while the rule exists, so the handler may name
/// them in an ioctl at any time.
#[derive(Clone)]
struct Resolver {
    dst: Held,
    /// IOVA of `dst`'s first byte (what the fault log reports).
    dst_iova: u64,
    kind: u32,
    src: Option<Held>,
    frames: Option<Arc<FrameRule>>,
}

impl Resolver {
    fn covers(&self, addr: usize) -> bool {
        self.dst.contains(addr, 1)
    }
    fn overlaps(&self, start: usize, len: usize) -> bool {
        let s = self.dst.ptr() as usize;
        s < start + len && start < s + self.dst.len()
    }
}

/// A fault the handler saw: where (as an IOVA), how, and what it did about it.
#[derive(Clone, Copy)]
pub struct Event {
    pub iova: u64,
    pub flags: u64,
    pub tid: u32,
    /// RESOLVE_* used, or u32::MAX when no resolver covered the address (left for JS).
    pub resolved_by: u32,
}

#[derive(Default)]
pub struct Stats {
    pub missing: AtomicU64,
    pub minor: AtomicU64,
    pub wp: AtomicU64,
    pub deferred: AtomicU64,
    pub errors: AtomicU64,
    pub dropped_events: AtomicU64,
    /// Pages a frame resolver mapped around a fault (fault-around), beyond the faulting page.
    pub around: AtomicU64,
}

pub struct Shared {
    fd: OwnedFd,
    resolvers: Mutex<Vec<Resolver>>,
    pub events: Mutex<Vec<Event>>,
    pub stats: Stats,
    stop: AtomicBool,
    /// Process-wide handle other threads attach peers by (see `uffd_peer`).
    pub id: u32,
    /// Faults left unresolved (defer / no resolver), queued for attached peers only.
    pub pending: Mutex<VecDeque<Event>>,
    pub pending_cv: Condvar,
    pub peers: AtomicUsize,
}

static NEXT_ID: AtomicU32 = AtomicU32::new(1);
static REGISTRY: Mutex<Vec<(u32, Weak<Shared>)>> = Mutex::new(Vec::new());

/// The live userfaultfd with handle `id`, if its owner has not closed it.
pub fn lookup(id: u32) -> Option<Arc<Shared>> {
    let mut reg = REGISTRY.lock().unwrap();
    reg.retain(|(_, w)| w.strong_count() > 0);
    reg.iter()
        .find(|(i, _)| *i == id)
        .and_then(|(_, w)| w.upgrade())
        .filter(|s| !s.stopped())
}

impl Shared {
    pub fn fd(&self) -> UffdFd<'_> {
        UffdFd::new(&self.fd)
    }
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    // The resolving ioctls, as the owner (`who` = "uffd") and its peers ("peer") expose them to
    // JS: arena (iova, len) in, checked and held for the call, errors named `<who>.<call>`.

    /// UFFDIO_COPY `len` bytes from arena `src` into missing pages at arena `dst`; bytes copied.
    pub fn copy(&self, who: &str, dst: u64, src: u64, len: u64, mode: u64) -> Result<i64> {
        let d = arena::translate_pages(dst, len, &format!("{who}.copy(dst)"))?;
        let s = arena::translate(src, len, &format!("{who}.copy(src)"))?;
        ioctl::copy(self.fd(), Span::of(&d), Span::of(&s), mode, &format!("{who}.copy"))
    }

    /// UFFDIO_CONTINUE over a page-aligned arena range; bytes mapped.
    pub fn cont(&self, who: &str, iova: u64, len: u64, mode: u64) -> Result<i64> {
        let what = format!("{who}.continue");
        let h = arena::translate_pages(iova, len, &what)?;
        ioctl::cont(self.fd(), Span::of(&h), mode, &what)
    }

    /// UFFDIO_ZEROPAGE over a page-aligned arena range; bytes mapped.
    pub fn zeropage(&self, who: &str, iova: u64, len: u64, mode: u64) -> Result<i64> {
        let what = format!("{who}.zeropage");
        let h = arena::translate_pages(iova, len, &what)?;
        ioctl::zeropage(self.fd(), Span::of(&h), mode, &what)
    }

    /// UFFDIO_POISON over a page-aligned arena range; bytes poisoned (EEXIST: a page is mapped).
    pub fn poison(&self, who: &str, iova: u64, len: u64) -> Result<i64> {
        let what = format!("{who}.poison");
        let h = arena::translate_pages(iova, len, &what)?;
        ioctl::poison(self.fd(), Span::of(&h), &what)
    }

    pub fn wake(&self, who: &str, iova: u64, len: u64) -> Result<()> {
        let what = format!("{who}.wake");
        let h = arena::translate_pages(iova, len, &what)?;
        ioctl::wake(self.fd(), Span::of(&h), &what)
    }

    pub fn write_protect(&self, who: &str, iova: u64, len: u64, protect: bool, dontwake: bool) -> Result<()> {
        let what = format!("{who}.writeProtect");
        let h = arena::translate_pages(iova, len, &what)?;
        ioctl::write_protect(self.fd(), Span::of(&h), protect, dontwake, &what)
    }
}

pub struct Uffd {
    pub shared: Arc<Shared>,
    wake: OwnedFd,
    thread: Option<std::thread::JoinHandle<()>>,
    pub features: u64,
}

fn raw_uffd() -> Result<OwnedFd> {
    let flags = libc::O_CLOEXEC | libc::O_NONBLOCK;
    // SAFETY: userfaultfd(2) takes only a flags word and touches no memory of ours.
    let mut fd = unsafe { libc::syscall(libc::SYS_userfaultfd, flags) } as i32;
    if fd < 0 {
        // Retry user-mode-only (UFFD_USER_MODE_ONLY = 1) when full mode is not permitted.
        // SAFETY: as above.
        fd = unsafe { libc::syscall(libc::SYS_userfaultfd, flags | 1) } as i32;
    }
    if fd < 0 {
        return Err(last_os("userfaultfd()"));
    }
    // SAFETY: `fd` is a fresh fd returned to us alone; OwnedFd closes it exactly once.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Features and ioctls this kernel offers (handshake on a throwaway fd).
pub fn probe() -> Result<(u64, u64)> {
    let fd = raw_uffd()?;
    ioctl::api(UffdFd::new(&fd), 0)
}

impl Uffd {
    pub fn new(want: u64) -> Result<Uffd> {
        let fd = raw_uffd()?;
        let (features, _) = ioctl::api(UffdFd::new(&fd), want)?;
        // SAFETY: eventfd(2) takes an initial count and flags and touches no memory of ours.
        let w = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if w < 0 {
            return Err(last_os("userfaultfd: eventfd"));
        }
        // SAFETY: `w` is a fresh fd returned to us alone; OwnedFd closes it exactly once.
        let wake = unsafe { OwnedFd::from_raw_fd(w) };
        let shared = Arc::new(Shared {
            fd,
            resolvers: Mutex::new(Vec::new()),
            events: Mutex::new(Vec::new()),
            stats: Stats::default(),
            stop: AtomicBool::new(false),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            pending: Mutex::new(VecDeque::new()),
            pending_cv: Condvar::new(),
            peers: AtomicUsize::new(0),
        });
        REGISTRY.lock().unwrap().push((shared.id, Arc::downgrade(&shared)));
        let (s2, wfd) = (shared.clone(), wake.as_raw_fd());
        let thread = std::thread::Builder::new()
            .name("biopath-uffd".into())
            .spawn(move || handler(s2, wfd))
            .map_err(|e| err(Errno::EAGAIN, format!("userfaultfd: spawn handler: {e}")))?;
        Ok(Uffd {
            shared,
            wake,
            thread: Some(thread),
            features,
        })
    }

    pub fn register(&self, iova: u64, len: u64, mode: u64) -> Result<u64> {
        let h = arena::translate_pages(iova, len, "uffd.register")?;
        ioctl::register(
            self.shared.fd(),
            Span::of(&h),
            mode,
            &format!("uffd.register(mode={mode:#x})"),
        )
    }

    pub fn unregister(&self, iova: u64, len: u64) -> Result<()> {
        let h = arena::translate_pages(iova, len, "uffd.unregister")?;
        self.shared
            .resolvers
            .lock()
            .unwrap()
            .retain(|r| !r.overlaps(h.ptr() as usize, h.len()));
        ioctl::unregister(self.shared.fd(), Span::of(&h), "uffd.unregister")
    }

    pub fn set_resolver(&self, iova: u64, len: u64, kind: u32, src_iova: u64) -> Result<()> {
        let dst = arena::translate_pages(iova, len, "uffd.setResolver")?;
        let src = if kind == RESOLVE_COPY {
            Some(arena::translate_pages(src_iova, len, "uffd.setResolver(src)")?)
        } else {
            None
        };
        if kind > RESOLVE_DEFER {
            return Err(err(
                Errno::EINVAL,
                format!("uffd.setResolver(kind): {kind} is not a resolver"),
            ));
        }
        self.install(Resolver {
            dst,
            dst_iova: iova,
            kind,
            src,
            frames: None,
        });
        Ok(())
    }

    /// Serve faults in `[iova, iova + len)` from per-page state words (see `frames.rs`); `make`
    /// builds the rule for that many pages. Replaces the rules of every overlapping range.
    pub fn set_frame_resolver(&self, iova: u64, len: u64, make: impl FnOnce(usize) -> Result<FrameRule>) -> Result<()> {
        let dst = arena::translate_pages(iova, len, "uffd.setFrameResolver")?;
        let rule = make(dst.len() / PAGE)?;
        if let Some(src) = &rule.copy_from {
            if src.len() < dst.len() {
                return Err(err(
                    Errno::EINVAL,
                    "uffd.setFrameResolver(copyFrom): shorter than the range",
                ));
            }
        }
        self.install(Resolver {
            dst,
            dst_iova: iova,
            kind: RESOLVE_FRAMES,
            src: None,
            frames: Some(Arc::new(rule)),
        });
        Ok(())
    }

    fn install(&self, r: Resolver) {
        let mut rs = self.shared.resolvers.lock().unwrap();
        rs.retain(|o| !o.overlaps(r.dst.ptr() as usize, r.dst.len()));
        rs.push(r);
    }

    pub fn copy(&self, dst: u64, src: u64, len: u64, dontwake: bool) -> Result<i64> {
        self.shared.copy("uffd", dst, src, len, dontwake_mode(dontwake))
    }

    pub fn zeropage(&self, iova: u64, len: u64, dontwake: bool) -> Result<i64> {
        self.shared.zeropage("uffd", iova, len, dontwake_mode(dontwake))
    }

    pub fn cont(&self, iova: u64, len: u64, dontwake: bool) -> Result<i64> {
        self.shared.cont("uffd", iova, len, dontwake_mode(dontwake))
    }

    pub fn wake(&self, iova: u64, len: u64) -> Result<()> {
        self.shared.wake("uffd", iova, len)
    }

    pub fn write_protect(&self, iova: u64, len: u64, protect: bool, dontwake: bool) -> Result<()> {
        self.shared.write_protect("uffd", iova, len, protect, dontwake)
    }

    pub fn close(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _q = self.shared.pending.lock().unwrap();
            self.shared.pending_cv.notify_all();
        }
        let one: u64 = 1;
        // SAFETY: write(2) reads 8 bytes from `one`, a live u64, into the eventfd `wake` owns.
        unsafe { libc::write(self.wake.as_raw_fd(), &one as *const u64 as *const libc::c_void, 8) };
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.shared.resolvers.lock().unwrap().clear();
    }
}

fn dontwake_mode(dontwake: bool) -> u64 {
    if dontwake {
        MODE_DONTWAKE
    } else {
        0
    }
}

impl Drop for Uffd {
    fn drop(&mut self) {
        self.close();
    }
}

fn handler(s: Arc<Shared>, wake: i32) {
    let mut msgs = [0u8; 32 * 16];
    while !s.stop.load(Ordering::SeqCst) {
        let mut pfd = [
            libc::pollfd {
                fd: s.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: wake,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: `pfd` is two valid, writable pollfds for the duration of the call; poll only
        // writes their `revents`.
        let r = unsafe { libc::poll(pfd.as_mut_ptr(), 2, 1000) };
        if r <= 0 || pfd[1].revents != 0 {
            continue;
        }
        // SAFETY: read(2) writes at most msgs.len() bytes into `msgs`, a live local buffer.
        let n = unsafe { libc::read(s.fd.as_raw_fd(), msgs.as_mut_ptr().cast(), msgs.len()) };
        if n <= 0 {
            continue;
        }
        for m in msgs[..n as usize].chunks_exact(32) {
            if m[0] == UFFD_EVENT_PAGEFAULT {
                let flags = u64::from_le_bytes(m[8..16].try_into().unwrap());
                let addr = u64::from_le_bytes(m[16..24].try_into().unwrap()) as usize & !(PAGE - 1);
                let tid = u32::from_le_bytes(m[24..28].try_into().unwrap());
                serve(&s, addr, flags, tid);
            }
        }
    }
}

fn serve(s: &Shared, addr: usize, flags: u64, tid: u32) {
    let r = s.resolvers.lock().unwrap().iter().find(|r| r.covers(addr)).cloned();
    let iova = match &r {
        Some(r) => r.dst_iova + (addr - r.dst.ptr() as usize) as u64,
        None => host_to_iova(addr),
    };
    let (fd, page) = (s.fd(), Span::fault_page(addr as u64));
    if flags & FLAG_WP != 0 {
        // Log before resolving: once the ioctl wakes the faulting thread it may read the log.
        log_event(s, iova, flags, tid, RESOLVED_UNPROTECT);
        s.stats.wp.fetch_add(1, Ordering::Relaxed);
        finish(s, page, ioctl::write_protect(fd, page, false, false, "wp"));
        return;
    }
    let Some(r) = r else {
        return defer(s, iova, flags, tid);
    };
    match r.kind {
        RESOLVE_FRAMES => serve_frames(s, &r, iova, addr, flags, tid),
        RESOLVE_ZERO => {
            log_event(s, iova, flags, tid, RESOLVE_ZERO);
            s.stats.missing.fetch_add(1, Ordering::Relaxed);
            finish(s, page, ioctl::zeropage(fd, page, 0, "zeropage").map(|_| ()));
        }
        RESOLVE_COPY => {
            log_event(s, iova, flags, tid, RESOLVE_COPY);
            s.stats.missing.fetch_add(1, Ordering::Relaxed);
            let off = addr - r.dst.ptr() as usize;
            // `src` is as long as `dst` (setResolver), and `addr` is a page inside `dst`.
            let res = match r.src.as_ref().and_then(|src| Span::within(src, off, PAGE)) {
                Some(from) => ioctl::copy(fd, page, from, 0, "copy").map(|_| ()),
                None => Err(err(Errno::EFAULT, "copy: source ends before the faulting page")),
            };
            finish(s, page, res);
        }
        RESOLVE_CONTINUE => {
            log_event(s, iova, flags, tid, RESOLVE_CONTINUE);
            s.stats.minor.fetch_add(1, Ordering::Relaxed);
            finish(s, page, ioctl::cont(fd, page, 0, "continue").map(|_| ()));
        }
        _ => defer(s, iova, flags, tid),
    }
}

/// A fault the handler does not resolve: logged for JS and queued for attached peers.
fn defer(s: &Shared, iova: u64, flags: u64, tid: u32) {
    log_event(s, iova, flags, tid, u32::MAX);
    queue_for_peers(s, iova, flags, tid);
    s.stats.deferred.fetch_add(1, Ordering::Relaxed);
}

/// After a resolving ioctl: a failure is counted (EEXIST is not one: another thread's fault
/// already filled the page) and the waiter woken, so it faults again rather than wait.
fn finish(s: &Shared, page: Span<'_>, res: Result<()>) {
    if let Err(e) = res {
        if e.errno != Errno::EEXIST {
            s.stats.errors.fetch_add(1, Ordering::Relaxed);
        }
        let _ = ioctl::wake(s.fd(), page, "wake");
    }
}

/// A fault in a frame resolver's range: resolved from the state words, or deferred to the peers
/// (not servable, or the resolve failed: the peers own IO and error answers).
fn serve_frames(s: &Shared, r: &Resolver, iova: u64, addr: usize, flags: u64, tid: u32) {
    let Some(f) = r.frames.as_deref() else {
        return defer(s, iova, flags, tid);
    };
    let k = (addr - r.dst.ptr() as usize) / PAGE;
    if !f.servable(k) {
        return defer(s, iova, flags, tid);
    }
    let how = if f.copy_from.is_some() {
        RESOLVE_COPY
    } else {
        RESOLVE_CONTINUE
    };
    let served = if how == RESOLVE_COPY {
        &s.stats.missing
    } else {
        &s.stats.minor
    };
    // Log and count before resolving: once the ioctl wakes the faulting thread it may read both.
    log_event(s, iova, flags, tid, how);
    served.fetch_add(1, Ordering::Relaxed);
    match frames::serve(s.fd(), &r.dst, f, k, flags & FLAG_WRITE != 0) {
        Served::Mapped { around } => {
            s.stats.around.fetch_add(around, Ordering::Relaxed);
        }
        Served::Defer => {
            served.fetch_sub(1, Ordering::Relaxed);
            s.stats.deferred.fetch_add(1, Ordering::Relaxed);
            queue_for_peers(s, iova, flags, tid);
        }
    }
}

fn log_event(s: &Shared, iova: u64, flags: u64, tid: u32, resolved_by: u32) {
    let mut ev = s.events.lock().unwrap();
    if ev.len() < MAX_EVENTS {
        ev.push(Event {
            iova,
            flags,
            tid,
            resolved_by,
        });
    } else {
        s.stats.dropped_events.fetch_add(1, Ordering::Relaxed);
    }
}

/// Hand an unresolved fault to attached peers (a worker thread resolving it for JS).
fn queue_for_peers(s: &Shared, iova: u64, flags: u64, tid: u32) {
    if s.peers.load(Ordering::SeqCst) == 0 {
        return;
    }
    let mut q = s.pending.lock().unwrap();
    if q.len() < MAX_EVENTS {
        q.push_back(Event {
            iova,
            flags,
            tid,
            resolved_by: u32::MAX,
        });
        s.pending_cv.notify_all();
    } else {
        s.stats.dropped_events.fetch_add(1, Ordering::Relaxed);
    }
}

fn host_to_iova(addr: usize) -> u64 {
    arena::find_host(addr).unwrap_or(0)
}
