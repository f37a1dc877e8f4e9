//! userfaultfd over arena regions: handshake, registration, the resolving ioctls, and a handler
//! thread that serves faults off the JS thread (so a fault raised by JS itself cannot deadlock).
//!
//! The handler holds no policy beyond a per-range resolver chosen by TS: fill with zeroes, copy
//! from another region, CONTINUE (MINOR), or defer to JS. Write-protect faults are logged and the
//! page is un-protected so the writer proceeds (dirty tracking). Every range is an arena range.

use crate::arena::{self, Mapping};
use crate::error::{err, last_os, Result};
use std::collections::VecDeque;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, Weak};

const UFFD_API: u64 = 0xAA;
const UFFDIO_API: libc::c_ulong = 0xC018_AA3F;
const UFFDIO_REGISTER: libc::c_ulong = 0xC020_AA00;
const UFFDIO_UNREGISTER: libc::c_ulong = 0x8010_AA01;
pub(crate) const UFFDIO_WAKE: libc::c_ulong = 0x8010_AA02;
pub(crate) const UFFDIO_COPY: libc::c_ulong = 0xC028_AA03;
const UFFDIO_ZEROPAGE: libc::c_ulong = 0xC020_AA04;
pub(crate) const UFFDIO_WRITEPROTECT: libc::c_ulong = 0xC018_AA06;
pub(crate) const UFFDIO_CONTINUE: libc::c_ulong = 0xC020_AA07;
/// _IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison) (Linux 6.6+).
pub(crate) const UFFDIO_POISON: libc::c_ulong = 0xC020_AA08;
const UFFD_EVENT_PAGEFAULT: u8 = 0x12;
pub const FLAG_WP: u64 = 2;
const PAGE: usize = 4096;
const MAX_EVENTS: usize = 65536;

pub const RESOLVE_ZERO: u32 = 0;
pub const RESOLVE_COPY: u32 = 1;
pub const RESOLVE_CONTINUE: u32 = 2;
pub const RESOLVE_DEFER: u32 = 3;
/// Logged as `resolved_by` for write-protect faults: the page was un-protected.
pub const RESOLVED_UNPROTECT: u32 = 4;

#[derive(Clone)]
struct Resolver {
    start: usize,
    len: usize,
    kind: u32,
    src: usize,
    _hold: Vec<Arc<Mapping>>,
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
    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }
    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
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
    // SAFETY: userfaultfd syscall; retry user-mode-only (1) when full mode is not permitted.
    let mut fd = unsafe { libc::syscall(libc::SYS_userfaultfd, flags) } as i32;
    if fd < 0 {
        // SAFETY: as above.
        fd = unsafe { libc::syscall(libc::SYS_userfaultfd, flags | 1) } as i32;
    }
    if fd < 0 {
        return Err(last_os("userfaultfd()"));
    }
    // SAFETY: fresh fd we own.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn api(fd: i32, features: u64) -> Result<(u64, u64)> {
    let mut a = [UFFD_API, features, 0u64];
    // SAFETY: uffdio_api is three u64s.
    if unsafe { libc::ioctl(fd, UFFDIO_API, a.as_mut_ptr()) } != 0 {
        return Err(last_os(format!("userfaultfd UFFDIO_API(features={features:#x})")));
    }
    Ok((a[1], a[2]))
}

/// Features and ioctls this kernel offers (handshake on a throwaway fd).
pub fn probe() -> Result<(u64, u64)> {
    let fd = raw_uffd()?;
    api(fd.as_raw_fd(), 0)
}

pub(crate) fn ioctl_arr(fd: i32, req: libc::c_ulong, a: &mut [u64], what: &str) -> Result<()> {
    // SAFETY: a is laid out as the uffdio_* struct for req.
    if unsafe { libc::ioctl(fd, req, a.as_mut_ptr()) } != 0 {
        return Err(last_os(what));
    }
    Ok(())
}

/// Host range for an arena (iova, len), page-aligned.
pub(crate) fn range(iova: u64, len: u64, what: &str) -> Result<(usize, Arc<Mapping>)> {
    if !iova.is_multiple_of(PAGE as u64) || len == 0 || !len.is_multiple_of(PAGE as u64) {
        return Err(err(
            libc::EINVAL,
            format!("{what}: iova {iova:#x} and len {len} must be page-aligned and non-zero"),
        ));
    }
    let (p, m) = arena::translate(iova, len, what)?;
    Ok((p as usize, m))
}

impl Uffd {
    pub fn new(want: u64) -> Result<Uffd> {
        let fd = raw_uffd()?;
        let (features, _) = api(fd.as_raw_fd(), want)?;
        // SAFETY: eventfd to wake the handler on close.
        let w = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if w < 0 {
            return Err(last_os("userfaultfd: eventfd"));
        }
        // SAFETY: fresh fd we own.
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
            .map_err(|e| err(libc::EAGAIN, format!("userfaultfd: spawn handler: {e}")))?;
        Ok(Uffd {
            shared,
            wake,
            thread: Some(thread),
            features,
        })
    }

    fn fd(&self) -> i32 {
        self.shared.fd.as_raw_fd()
    }

    pub fn register(&self, iova: u64, len: u64, mode: u64) -> Result<u64> {
        let (p, _) = range(iova, len, "uffd.register")?;
        let mut a = [p as u64, len, mode, 0];
        ioctl_arr(
            self.fd(),
            UFFDIO_REGISTER,
            &mut a,
            &format!("uffd.register(mode={mode:#x})"),
        )?;
        Ok(a[3])
    }

    pub fn unregister(&self, iova: u64, len: u64) -> Result<()> {
        let (p, _) = range(iova, len, "uffd.unregister")?;
        self.shared
            .resolvers
            .lock()
            .unwrap()
            .retain(|r| r.start + r.len <= p || r.start >= p + len as usize);
        ioctl_arr(self.fd(), UFFDIO_UNREGISTER, &mut [p as u64, len], "uffd.unregister")
    }

    pub fn set_resolver(&self, iova: u64, len: u64, kind: u32, src_iova: u64) -> Result<()> {
        let (start, m) = range(iova, len, "uffd.setResolver")?;
        let mut hold = vec![m];
        let src = if kind == RESOLVE_COPY {
            let (s, sm) = range(src_iova, len, "uffd.setResolver(src)")?;
            hold.push(sm);
            s
        } else {
            0
        };
        if kind > RESOLVE_DEFER {
            return Err(err(
                libc::EINVAL,
                format!("uffd.setResolver(kind): {kind} is not a resolver"),
            ));
        }
        let mut rs = self.shared.resolvers.lock().unwrap();
        rs.retain(|r| r.start + r.len <= start || r.start >= start + len as usize);
        rs.push(Resolver {
            start,
            len: len as usize,
            kind,
            src,
            _hold: hold,
        });
        Ok(())
    }

    pub fn copy(&self, dst: u64, src: u64, len: u64, dontwake: bool) -> Result<i64> {
        let (d, _) = range(dst, len, "uffd.copy(dst)")?;
        let (s, _) = arena::translate(src, len, "uffd.copy(src)")?;
        let mut a = [d as u64, s as u64, len, dontwake as u64, 0];
        ioctl_arr(self.fd(), UFFDIO_COPY, &mut a, "uffd.copy")?;
        Ok(a[4] as i64)
    }

    pub fn zeropage(&self, iova: u64, len: u64, dontwake: bool) -> Result<i64> {
        let (p, _) = range(iova, len, "uffd.zeropage")?;
        let mut a = [p as u64, len, dontwake as u64, 0];
        ioctl_arr(self.fd(), UFFDIO_ZEROPAGE, &mut a, "uffd.zeropage")?;
        Ok(a[3] as i64)
    }

    pub fn cont(&self, iova: u64, len: u64, dontwake: bool) -> Result<i64> {
        let (p, _) = range(iova, len, "uffd.continue")?;
        let mut a = [p as u64, len, dontwake as u64, 0];
        ioctl_arr(self.fd(), UFFDIO_CONTINUE, &mut a, "uffd.continue")?;
        Ok(a[3] as i64)
    }

    pub fn wake(&self, iova: u64, len: u64) -> Result<()> {
        let (p, _) = range(iova, len, "uffd.wake")?;
        ioctl_arr(self.fd(), UFFDIO_WAKE, &mut [p as u64, len], "uffd.wake")
    }

    pub fn write_protect(&self, iova: u64, len: u64, protect: bool, dontwake: bool) -> Result<()> {
        let (p, _) = range(iova, len, "uffd.writeProtect")?;
        let mode = (protect as u64) | ((dontwake as u64) << 1);
        ioctl_arr(
            self.fd(),
            UFFDIO_WRITEPROTECT,
            &mut [p as u64, len, mode],
            "uffd.writeProtect",
        )
    }

    pub fn close(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _q = self.shared.pending.lock().unwrap();
            self.shared.pending_cv.notify_all();
        }
        let one: u64 = 1;
        // SAFETY: writing 8 bytes to our eventfd.
        unsafe { libc::write(self.wake.as_raw_fd(), &one as *const u64 as *const libc::c_void, 8) };
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.shared.resolvers.lock().unwrap().clear();
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
        // SAFETY: two valid pollfds.
        let r = unsafe { libc::poll(pfd.as_mut_ptr(), 2, 1000) };
        if r <= 0 || pfd[1].revents != 0 {
            continue;
        }
        // SAFETY: reading whole uffd_msg records into our buffer.
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
    let fd = s.fd.as_raw_fd();
    let r = s
        .resolvers
        .lock()
        .unwrap()
        .iter()
        .find(|r| addr >= r.start && addr < r.start + r.len)
        .cloned();
    let kind = match &r {
        _ if flags & FLAG_WP != 0 => RESOLVE_DEFER,
        Some(r) => r.kind,
        None => u32::MAX,
    };
    // Log before resolving: once the ioctl wakes the faulting thread it may read the log.
    let logged = match kind {
        _ if flags & FLAG_WP != 0 => RESOLVED_UNPROTECT,
        RESOLVE_DEFER => u32::MAX,
        k => k,
    };
    log_event(s, addr, flags, tid, logged);
    if logged == u32::MAX {
        queue_for_peers(s, addr, flags, tid);
    }
    let a = addr as u64;
    let p = PAGE as u64;
    let res = if flags & FLAG_WP != 0 {
        s.stats.wp.fetch_add(1, Ordering::Relaxed);
        ioctl_arr(fd, UFFDIO_WRITEPROTECT, &mut [a, p, 0], "wp")
    } else {
        match (kind, &r) {
            (RESOLVE_ZERO, _) => {
                s.stats.missing.fetch_add(1, Ordering::Relaxed);
                ioctl_arr(fd, UFFDIO_ZEROPAGE, &mut [a, p, 0, 0], "zeropage")
            }
            (RESOLVE_COPY, Some(r)) => {
                s.stats.missing.fetch_add(1, Ordering::Relaxed);
                let src = (r.src + (addr - r.start)) as u64;
                ioctl_arr(fd, UFFDIO_COPY, &mut [a, src, p, 0, 0], "copy")
            }
            (RESOLVE_CONTINUE, _) => {
                s.stats.minor.fetch_add(1, Ordering::Relaxed);
                ioctl_arr(fd, UFFDIO_CONTINUE, &mut [a, p, 0, 0], "continue")
            }
            _ => {
                s.stats.deferred.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
        }
    };
    if let Err(e) = res {
        // EEXIST: another thread's fault already filled the page; the waiter is woken.
        if !e.reason.starts_with(&format!("{}|", libc::EEXIST)) {
            s.stats.errors.fetch_add(1, Ordering::Relaxed);
        }
        let _ = ioctl_arr(fd, UFFDIO_WAKE, &mut [a, p], "wake");
    }
}

fn log_event(s: &Shared, addr: usize, flags: u64, tid: u32, resolved_by: u32) {
    let iova = host_to_iova(addr);
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
fn queue_for_peers(s: &Shared, addr: usize, flags: u64, tid: u32) {
    if s.peers.load(Ordering::SeqCst) == 0 {
        return;
    }
    let mut q = s.pending.lock().unwrap();
    if q.len() < MAX_EVENTS {
        q.push_back(Event {
            iova: host_to_iova(addr),
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
