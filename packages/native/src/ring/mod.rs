//! One io_uring instance, fed from a JS-written SQE staging area and drained into a JS-read
//! CQE area: a single native call per batch validates, submits, and reaps.

pub mod napi;
mod shared_buf;
mod sqe_check;
mod watch;

use crate::arena::{self, Held, Mapping};
use crate::error::{from_io, Result};
use io_uring::Probe;
use io_uring::{cqueue, squeue, types, IoUring};
use shared_buf::SharedBuf;
use sqe_check::{rd64, refuse, wr64, Ctx};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};
pub use watch::Watch;

/// Control words shared with JS (Int32Array view): what the last call did.
pub const CTL_SUBMITTED: usize = 0; // SQEs accepted into the SQ (valid or refused-as-NOP)
pub const CTL_REFUSED: usize = 1; // of those, refused by validation
pub const CTL_CQES: usize = 2; // CQEs copied into the CQE area
pub const CTL_ENTER_RES: usize = 3; // io_uring_enter's result or -errno
pub const CTL_SQ_HEAD: usize = 4; // staging ring: next slot native consumes (native writes)
pub const CTL_SQ_TAIL: usize = 5; // staging ring: next slot TS fills (TS writes)
pub const CTL_CQ_HEAD: usize = 6; // CQE ring: next CQE TS reads (TS writes)
pub const CTL_CQ_TAIL: usize = 7; // CQE ring: next slot native fills (native writes)
pub const CTL_REFUSED_TOTAL: usize = 8;
pub const CTL_WORDS: usize = 16;

pub struct Options {
    pub entries: u32,
    pub cq_entries: u32,
    pub big: bool,
    pub single_issuer: bool,
    pub defer_taskrun: bool,
    pub coop_taskrun: bool,
    pub sqpoll_idle_ms: Option<u32>,
}

/// One SQE between its push and the reap of its CQE: the caller's user_data (the kernel sees the
/// slot number instead), the mappings it was translated against, and its translated iovecs.
#[derive(Default)]
struct Inflight {
    busy: bool,
    user_data: u64,
    held: Vec<Arc<Mapping>>,
    iov: Vec<libc::iovec>,
}

/// In-flight SQEs by slot number. A slot is reused only after its CQE was reaped, so each
/// mapping (and iovec array) is held exactly as long as the kernel may use it.
#[derive(Default)]
struct Inflights {
    slots: Vec<Inflight>,
    free: Vec<u32>,
}

/// user_data of the cancel-everything SQE a closing ring submits; never a slot number.
const CANCEL_TAG: u64 = u64::MAX;
const OP_ASYNC_CANCEL: u8 = 14;
const IORING_ASYNC_CANCEL_ANY: u32 = 1 << 2;
/// How long a closing ring waits for cancelled IO to complete before giving up on it.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

impl Inflights {
    fn take(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.slots.push(Inflight::default());
            (self.slots.len() - 1) as u32
        })
    }
    /// Release slot `tag` (a CQE arrived for it); returns the caller's user_data.
    fn retire(&mut self, tag: u64) -> Option<u64> {
        let s = self.slots.get_mut(usize::try_from(tag).ok()?)?;
        if !s.busy {
            return None;
        }
        s.busy = false;
        s.held.clear();
        s.iov.clear();
        self.free.push(tag as u32);
        Some(s.user_data)
    }
    fn count(&self) -> usize {
        self.slots.len() - self.free.len()
    }
}

pub struct Core<S: squeue::EntryMarker, C: cqueue::EntryMarker> {
    ring: IoUring<S, C>,
    staging: Arc<SharedBuf>,
    cqes: Arc<SharedBuf>,
    ctl: Arc<SharedBuf>,
    sq_entries: usize,
    inflight: Inflights,
    /// The registered buffers, in index order, each holding its region while registered.
    fixed: Vec<Held>,
    defer_taskrun: bool,
    /// An eventfd registered with the ring (IORING_REGISTER_EVENTFD), made on first request;
    /// dropped (closed) after the ring, which releases its own reference when its fd closes.
    eventfd: Option<OwnedFd>,
}

fn build<S: squeue::EntryMarker, C: cqueue::EntryMarker>(o: &Options) -> Result<Core<S, C>> {
    let mut b = IoUring::<S, C>::builder();
    b.dontfork();
    if o.cq_entries > 0 {
        b.setup_cqsize(o.cq_entries);
    }
    if o.single_issuer {
        b.setup_single_issuer();
    }
    if o.defer_taskrun {
        b.setup_defer_taskrun();
    }
    if o.coop_taskrun {
        b.setup_coop_taskrun();
    }
    if let Some(idle) = o.sqpoll_idle_ms {
        b.setup_sqpoll(idle);
    }
    let ring = b
        .build(o.entries)
        .map_err(|e| from_io(e, format!("createRing(entries={})", o.entries)))?;
    let sq = ring.params().sq_entries() as usize;
    let cq = ring.params().cq_entries() as usize;
    Ok(Core {
        staging: SharedBuf::new(sq * std::mem::size_of::<S>())?,
        cqes: SharedBuf::new(cq * std::mem::size_of::<C>())?,
        ctl: SharedBuf::new(CTL_WORDS * 4)?,
        sq_entries: sq,
        inflight: Inflights::default(),
        fixed: Vec::new(),
        defer_taskrun: o.defer_taskrun,
        eventfd: None,
        ring,
    })
}

impl<S: squeue::EntryMarker, C: cqueue::EntryMarker> Core<S, C> {
    fn ctl(&self, i: usize, v: i32) {
        // SAFETY: we run inside a native call on the ring's JS thread (`&self` of a Core only
        // exists there), so no JS code touches ctl now, and the slice dies at the end of this fn.
        let ctl = unsafe { self.ctl.bytes() };
        ctl[i * 4..i * 4 + 4].copy_from_slice(&v.to_le_bytes());
    }

    fn ctl_get(&self, i: usize) -> u32 {
        // SAFETY: as in `ctl`; the slice is a temporary that dies in this expression.
        u32::from_le_bytes(unsafe { self.ctl.bytes() }[i * 4..i * 4 + 4].try_into().unwrap())
    }

    /// Validate and push up to `n` staged SQEs from the staging ring's head; stops early if
    /// the kernel SQ is full. Staging slot k lives at `(k & mask) * sqe_size`. Each pushed SQE
    /// takes an in-flight slot whose number replaces its user_data until the CQE is reaped.
    fn push(&mut self, n: usize) -> (usize, usize) {
        let sz = std::mem::size_of::<S>();
        let mask = self.sq_entries - 1;
        let head = self.ctl_get(CTL_SQ_HEAD);
        let n = n
            .min(self.ctl_get(CTL_SQ_TAIL).wrapping_sub(head) as usize)
            .min(mask + 1);
        let table = arena::table();
        // SAFETY: `&mut self` makes this the only SubmissionQueue of the ring (no SQPOLL-side
        // writer touches the tail); the tail is published when `sq` drops, before io_uring_enter.
        let mut sq = unsafe { self.ring.submission_shared() };
        let (mut done, mut refused) = (0, 0);
        // SAFETY: JS is blocked in this native call, so nothing writes the staging area while
        // this slice lives; it is only read, and `self.ctl.bytes()` is a different buffer.
        let staged = unsafe { self.staging.bytes() };
        while done < n && !sq.is_full() {
            let mut bytes = [0u8; 128];
            let b = &mut bytes[..sz];
            let at = (head.wrapping_add(done as u32) as usize & mask) * sz;
            b.copy_from_slice(&staged[at..at + sz]);
            let tag = self.inflight.take();
            let slot = &mut self.inflight.slots[tag as usize];
            let mut ctx = Ctx {
                table: &table,
                fixed: &self.fixed,
                scratch: &mut slot.iov,
                held: &mut slot.held,
            };
            if let Err(e) = ctx.check(b) {
                refuse(b, e);
                slot.held.clear();
                refused += 1;
            }
            slot.user_data = rd64(b, 32);
            wr64(b, 32, tag as u64);
            // SAFETY: `b` holds size_of::<S>() initialised bytes, and S (squeue::Entry or Entry128)
            // is the repr(C) kernel SQE, plain data valid for any bit pattern.
            let entry: S = unsafe { std::ptr::read_unaligned(b.as_ptr() as *const S) };
            // SAFETY: check() translated every address the opcode makes the kernel touch into a
            // live mapping now held by `slot.held` (iovec arrays point at `slot.iov`), or refused
            // the SQE as a NOP that names no memory; the slot keeps both until the CQE carrying
            // `tag` is reaped, or forever if the ring closes with the IO still in the kernel.
            if unsafe { sq.push(&entry) }.is_err() {
                slot.held.clear();
                self.inflight.free.push(tag);
                break;
            }
            slot.busy = true;
            done += 1;
        }
        drop(sq);
        self.ctl(CTL_SQ_HEAD, head.wrapping_add(done as u32) as i32);
        let total = self.ctl_get(CTL_REFUSED_TOTAL).wrapping_add(refused as u32);
        self.ctl(CTL_REFUSED_TOTAL, total as i32);
        (done, refused)
    }

    /// Move completions from the kernel CQ into the CQE ring shared with TS, as many as it has
    /// room for (capacity minus what TS has not consumed yet). Never overwrites unread CQEs.
    fn drain(&mut self) -> usize {
        let sz = std::mem::size_of::<C>();
        let cap = self.ring.params().cq_entries() as usize;
        let (head, tail) = (self.ctl_get(CTL_CQ_HEAD), self.ctl_get(CTL_CQ_TAIL));
        let room = cap.saturating_sub(tail.wrapping_sub(head) as usize);
        // SAFETY: JS is blocked in this native call, so nothing reads or writes the CQE area while
        // this slice lives; only slots TS has already consumed (ctl[6]) are overwritten.
        let out = unsafe { self.cqes.bytes() };
        // SAFETY: `&mut self` makes this the only CompletionQueue of the ring; the head is
        // published when `cq` drops at the end of this function.
        let cq = unsafe { self.ring.completion_shared() };
        let mut k = 0;
        for e in cq.take(room) {
            // SAFETY: `e` is a live local C (repr(C) kernel CQE, plain data, sz bytes, no padding),
            // so its bytes may be read as a u8 slice for as long as `e` lives.
            let src = unsafe { std::slice::from_raw_parts(&e as *const C as *const u8, sz) };
            let at = (tail.wrapping_add(k as u32) as usize & (cap - 1)) * sz;
            let dst = &mut out[at..at + sz];
            dst.copy_from_slice(src);
            if let Some(user_data) = self.inflight.retire(rd64(dst, 0)) {
                wr64(dst, 0, user_data);
            }
            k += 1;
        }
        self.ctl(CTL_CQ_TAIL, tail.wrapping_add(k as u32) as i32);
        k
    }

    /// Submit up to `n` staged SQEs, wait for `wait_nr` completions, reap into the CQE ring.
    pub fn submit(&mut self, n: usize, wait_nr: usize) -> Result<u32> {
        let (done, refused) = self.push(n);
        self.ctl(CTL_SUBMITTED, done as i32);
        self.ctl(CTL_REFUSED, refused as i32);
        let res = self.ring.submitter().submit_and_wait(wait_nr);
        self.ctl(
            CTL_ENTER_RES,
            match &res {
                Ok(v) => *v as i32,
                Err(e) => -e.raw_os_error().unwrap_or(libc::EIO),
            },
        );
        if let Err(e) = res {
            if e.raw_os_error() != Some(libc::EINTR) && e.raw_os_error() != Some(libc::EBUSY) {
                return Err(from_io(e, "submit: io_uring_enter"));
            }
        }
        let k = self.drain();
        self.ctl(CTL_CQES, k as i32);
        Ok(k as u32)
    }

    /// Reap without submitting; runs deferred task work first when the ring needs it.
    pub fn reap(&mut self) -> Result<u32> {
        // SAFETY: `&mut self` makes this the only SubmissionQueue; it is used to read the
        // flags word and dropped at once, pushing nothing.
        let taskrun = unsafe { self.ring.submission_shared() }.taskrun();
        if self.defer_taskrun || taskrun {
            enter_getevents(self.ring.as_raw_fd(), 0)?;
        }
        let k = self.drain();
        self.ctl(CTL_SUBMITTED, 0);
        self.ctl(CTL_CQES, k as i32);
        Ok(k as u32)
    }

    /// IORING_REGISTER_BUFFERS over arena ranges; FIXED SQEs may then name them by index. On
    /// success the ring keeps each range's hold until the buffers are unregistered.
    pub fn register_buffers(&mut self, bufs: Vec<Held>) -> Result<()> {
        let v: Vec<libc::iovec> = bufs
            .iter()
            .map(|h| libc::iovec {
                iov_base: h.ptr().cast(),
                iov_len: h.len(),
            })
            .collect();
        // SAFETY: every iovec is a bounds-checked range of a live region held by `bufs`, which
        // moves into `self.fixed` below and stays there until unregister_buffers succeeds (or the
        // ring is dropped, which unregisters them with the ring). On failure nothing was registered.
        unsafe { self.ring.submitter().register_buffers(&v) }.map_err(|e| from_io(e, "registerBuffers"))?;
        self.fixed = bufs;
        Ok(())
    }

    pub fn unregister_buffers(&mut self) -> Result<()> {
        self.ring
            .submitter()
            .unregister_buffers()
            .map_err(|e| from_io(e, "unregisterBuffers"))?;
        self.fixed.clear();
        Ok(())
    }

    pub fn register_files(&mut self, fds: &[i32]) -> Result<()> {
        self.ring
            .submitter()
            .register_files(fds)
            .map_err(|e| from_io(e, "registerFiles"))
    }

    pub fn unregister_files(&mut self) -> Result<()> {
        self.ring
            .submitter()
            .unregister_files()
            .map_err(|e| from_io(e, "unregisterFiles"))
    }

    /// The ring's eventfd (non-blocking, close-on-exec), created and registered on first call:
    /// the kernel signals it for every CQE posted, including deferred (DEFER_TASKRUN) completions,
    /// which do not wake pollers of the ring fd itself. Errors: the errno of eventfd/register.
    pub fn eventfd(&mut self) -> Result<i32> {
        if let Some(fd) = &self.eventfd {
            return Ok(fd.as_raw_fd());
        }
        // SAFETY: eventfd takes no pointers; a negative result is an error, checked below.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw < 0 {
            return Err(crate::error::last_os("ring.eventfd(): eventfd"));
        }
        // SAFETY: `raw` is a new fd this function owns and nothing else refers to.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        self.ring
            .submitter()
            .register_eventfd(raw)
            .map_err(|e| from_io(e, "ring.eventfd(): IORING_REGISTER_EVENTFD"))?;
        self.eventfd = Some(fd);
        Ok(raw)
    }

    /// Opcodes this kernel supports (IORING_REGISTER_PROBE).
    pub fn probe(&self) -> Result<Vec<u32>> {
        let mut p = Probe::new();
        self.ring
            .submitter()
            .register_probe(&mut p)
            .map_err(|e| from_io(e, "probe"))?;
        Ok((0..=255u8).filter(|&op| p.is_supported(op)).map(u32::from).collect())
    }

    /// What JS needs to drive this ring: sizes, its fd, and the three shared buffers.
    fn layout(&self) -> Layout {
        let p = self.ring.params();
        Layout {
            sq_entries: p.sq_entries(),
            cq_entries: p.cq_entries(),
            fd: self.ring.as_raw_fd(),
            staging: self.staging.clone(),
            cqes: self.cqes.clone(),
            ctl: self.ctl.clone(),
            sqe_size: std::mem::size_of::<S>() as u32,
            cqe_size: std::mem::size_of::<C>() as u32,
        }
    }

    /// Cancel everything in flight and reap it, so no mapping is released while the kernel may
    /// still write to it. IO that outlives [`CLOSE_WAIT`] keeps its mappings for the life of
    /// the process (leaked on purpose): its addresses can then never be reused by a new region.
    fn quiesce(&mut self) {
        let deadline = Instant::now() + CLOSE_WAIT;
        let mut cancel_sent = false;
        while self.inflight.count() > 0 && Instant::now() < deadline {
            if !cancel_sent {
                let mut b = [0u8; 128];
                b[0] = OP_ASYNC_CANCEL;
                b[4..8].copy_from_slice(&(-1i32).to_le_bytes());
                b[28..32].copy_from_slice(&IORING_ASYNC_CANCEL_ANY.to_le_bytes());
                wr64(&mut b, 32, CANCEL_TAG);
                // SAFETY: `b` is 128 initialised bytes, at least size_of::<S>(), and S is the
                // repr(C) kernel SQE, plain data valid for any bit pattern.
                let entry: S = unsafe { std::ptr::read_unaligned(b.as_ptr() as *const S) };
                // SAFETY: `&mut self` makes this the only SubmissionQueue; ASYNC_CANCEL(ANY)
                // names no memory, so nothing needs to stay mapped for it.
                cancel_sent = unsafe { self.ring.submission_shared().push(&entry) }.is_ok();
            }
            let ts = types::Timespec::new().nsec(50_000_000);
            let args = types::SubmitArgs::new().timespec(&ts);
            if let Err(e) = self.ring.submitter().submit_with_args(1, &args) {
                if ![libc::ETIME, libc::EINTR, libc::EBUSY].contains(&e.raw_os_error().unwrap_or(0)) {
                    break;
                }
            }
            // SAFETY: `&mut self` makes this the only CompletionQueue; the head is published when
            // the temporary drops at the end of the loop.
            for e in unsafe { self.ring.completion_shared() } {
                let e: cqueue::Entry = e.into();
                self.inflight.retire(e.user_data());
            }
        }
        for s in self.inflight.slots.iter_mut().filter(|s| s.busy) {
            std::mem::forget(std::mem::take(&mut s.held));
            std::mem::forget(std::mem::take(&mut s.iov));
        }
    }
}

impl<S: squeue::EntryMarker, C: cqueue::EntryMarker> Drop for Core<S, C> {
    fn drop(&mut self) {
        self.quiesce();
    }
}

/// io_uring_enter(fd, 0, min_complete, GETEVENTS): run task work and optionally wait.
pub fn enter_getevents(fd: i32, min_complete: u32) -> Result<()> {
    const IORING_ENTER_GETEVENTS: u32 = 1;
    // SAFETY: io_uring_enter with to_submit 0 and a null arg of size 0 reads and writes no
    // memory of ours; a bad fd only makes it fail.
    let r = unsafe {
        libc::syscall(
            libc::SYS_io_uring_enter,
            fd,
            0u32,
            min_complete,
            IORING_ENTER_GETEVENTS,
            std::ptr::null::<u8>(),
            0usize,
        )
    };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(from_io(e, "reap: io_uring_enter(GETEVENTS)"));
        }
    }
    Ok(())
}

/// Sizes, fd and shared buffers of a ring, for handing to JS once.
pub struct Layout {
    pub sq_entries: u32,
    pub cq_entries: u32,
    pub fd: i32,
    pub staging: Arc<SharedBuf>,
    pub cqes: Arc<SharedBuf>,
    pub ctl: Arc<SharedBuf>,
    pub sqe_size: u32,
    pub cqe_size: u32,
}

/// A ring of either SQE size: 64-byte SQEs / 16-byte CQEs, or SQE128 / CQE32 (NVMe passthrough).
pub enum Ring {
    Std(Core<squeue::Entry, cqueue::Entry>),
    Big(Core<squeue::Entry128, cqueue::Entry32>),
}

/// Dispatch a body over both ring kinds: `with_core!(ring, c => c.submit(..))`.
macro_rules! with_core {
    ($r:expr, $c:ident => $body:expr) => {
        match $r {
            Ring::Std($c) => $body,
            Ring::Big($c) => $body,
        }
    };
}

impl Ring {
    pub fn create(o: &Options) -> Result<Ring> {
        Ok(if o.big {
            Ring::Big(build(o)?)
        } else {
            Ring::Std(build(o)?)
        })
    }
    pub fn submit(&mut self, n: usize, wait_nr: usize) -> Result<u32> {
        with_core!(self, c => c.submit(n, wait_nr))
    }
    pub fn reap(&mut self) -> Result<u32> {
        with_core!(self, c => c.reap())
    }
    pub fn register_buffers(&mut self, bufs: Vec<Held>) -> Result<()> {
        with_core!(self, c => c.register_buffers(bufs))
    }
    pub fn unregister_buffers(&mut self) -> Result<()> {
        with_core!(self, c => c.unregister_buffers())
    }
    pub fn register_files(&mut self, fds: &[i32]) -> Result<()> {
        with_core!(self, c => c.register_files(fds))
    }
    pub fn unregister_files(&mut self) -> Result<()> {
        with_core!(self, c => c.unregister_files())
    }
    pub fn probe(&self) -> Result<Vec<u32>> {
        with_core!(self, c => c.probe())
    }
    pub fn eventfd(&mut self) -> Result<i32> {
        with_core!(self, c => c.eventfd())
    }
    pub fn layout(&self) -> Layout {
        with_core!(self, c => c.layout())
    }
}
