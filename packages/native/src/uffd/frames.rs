//! A resolver that serves faults from per-page state words JS shares with the handler thread, so a
//! fault on a page whose data is already in place never waits for JS (the page cache's mmap runs).
//!
//! JS owns the meaning of the words; the handler only applies three numbers it was given: page `k`
//! is *servable* when `state[k] & mask == value`, and before mapping a page writable it sets the
//! bit `dirty` in `state[k]`. It never makes any other change to a word and never waits on one.
//! A fault on a servable page is resolved here (UFFDIO_CONTINUE of the view page, write-protected
//! for a read fault when asked; or UFFDIO_COPY from the backing page for a private view), and a
//! read fault also maps the servable neighbours in its aligned fault-around window. Every other
//! fault (and one whose resolve fails) is deferred to the peers, which own IO and error policy.
//!
//! The ordering rules the JS side relies on (see the page-cache README, "the frame protocol"):
//! every access to a word is a sequentially consistent atomic, as JS `Atomics` are. After mapping,
//! the handler loads each word again: a page that stopped being servable meanwhile (JS invalidated
//! it, then zapped the view page, possibly before our map) is zapped again, and a write fault whose
//! dirty bit was cleared meanwhile (writeback's mkclean racing the map) gets the bit back, so a
//! page mapped writable is never both clean and writable.

use super::ioctl::{self, Span, UffdFd, CONTINUE_MODE_WP};
use crate::arena::Held;
use crate::error::{err, Errno, Result};
use std::sync::atomic::{AtomicI32, Ordering};

const PAGE: usize = 4096;
/// Largest fault-around window, in pages (the kernel's fault_around_bytes tops out at a PMD).
pub const MAX_AROUND: u32 = 512;

/// The per-page state words: `len` i32s at `ptr`, kept alive by `_hold`.
pub struct StateWords {
    ptr: *const AtomicI32,
    len: usize,
    _hold: Box<dyn Send + Sync>,
}

// SAFETY: the words are only ever accessed atomically (by us and by JS `Atomics`), and `_hold`
// (Send + Sync) keeps their memory alive wherever this value goes.
unsafe impl Send for StateWords {}
// SAFETY: as for Send: shared access is atomic access.
unsafe impl Sync for StateWords {}

impl StateWords {
    /// Words `ptr[0..len]`, alive while `hold` lives.
    ///
    /// # Safety
    /// `ptr` must be 4-byte aligned and `ptr..ptr + len` i32s must stay allocated for as long as
    /// `hold` lives and never be freed or moved meanwhile (e.g. a SharedArrayBuffer's memory, which
    /// cannot be detached, held by a reference to its view); everyone else must access them only
    /// atomically.
    pub unsafe fn new(ptr: *const i32, len: usize, hold: Box<dyn Send + Sync>) -> StateWords {
        StateWords {
            ptr: ptr.cast(),
            len,
            _hold: hold,
        }
    }

    fn word(&self, k: usize) -> Option<&AtomicI32> {
        // SAFETY: k < len, so the word is inside the memory `new`'s contract keeps allocated;
        // AtomicI32 has i32's layout and every access to it is atomic.
        (k < self.len).then(|| unsafe { &*self.ptr.add(k) })
    }

    pub fn load(&self, k: usize) -> Option<i32> {
        self.word(k).map(|w| w.load(Ordering::SeqCst))
    }

    fn or(&self, k: usize, bits: i32) {
        if let Some(w) = self.word(k) {
            w.fetch_or(bits, Ordering::SeqCst);
        }
    }
}

/// How a frame resolver reads the words and maps pages (all chosen by JS).
pub struct FrameRule {
    pub state: StateWords,
    pub mask: i32,
    pub value: i32,
    pub dirty: i32,
    /// Map read faults (and fault-around) write-protected, so the first write is seen.
    pub wp_reads: bool,
    /// Fault-around window in pages: a power of two, 1 = the faulting page only.
    pub around: usize,
    /// Private view: resolve by UFFDIO_COPY from this backing range (same offset), no fault-around.
    pub copy_from: Option<Held>,
}

impl FrameRule {
    /// Check a rule for a view of `pages` pages. EINVAL naming the bad argument.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        pages: usize,
        state: StateWords,
        mask: i32,
        value: i32,
        dirty: i32,
        wp_reads: bool,
        around: u32,
        copy_from: Option<Held>,
    ) -> Result<FrameRule> {
        let bad = |what: &str, why: String| err(Errno::EINVAL, format!("uffd.setFrameResolver({what}): {why}"));
        if state.len < pages {
            return Err(bad("state", format!("{} words for {pages} pages", state.len)));
        }
        if !(1..=MAX_AROUND).contains(&around) || !around.is_power_of_two() {
            return Err(bad(
                "faultAround",
                format!("{around} is not a power of two in 1..{MAX_AROUND}"),
            ));
        }
        if value & !mask != 0 || dirty & mask != 0 {
            return Err(bad(
                "value",
                format!("{value:#x} / dirty {dirty:#x} do not fit mask {mask:#x}"),
            ));
        }
        Ok(FrameRule {
            state,
            mask,
            value,
            dirty,
            wp_reads,
            around: around as usize,
            copy_from,
        })
    }

    pub fn servable(&self, k: usize) -> bool {
        self.state.load(k).is_some_and(|s| s & self.mask == self.value)
    }
}

/// What serving one fault came to.
pub enum Served {
    /// Mapped (or found mapped, and the waiter woken); `around` neighbours mapped too.
    Mapped { around: u64 },
    /// Not servable here, or the resolve failed: the fault goes to the peers.
    Defer,
}

/// The view pages `[a, b)`: `view` holds the whole view, so the span stays mapped.
fn pages(view: &Held, a: usize, b: usize) -> Option<Span<'_>> {
    Span::within(view, a * PAGE, (b - a) * PAGE)
}

/// Serve a fault on view page `k` (`k` < the view's pages: the caller found it in `view`).
pub fn serve(fd: UffdFd<'_>, view: &Held, f: &FrameRule, k: usize, write: bool) -> Served {
    if !f.servable(k) {
        return Served::Defer;
    }
    if let Some(src) = &f.copy_from {
        return copy_page(fd, view, src, k);
    }
    if write && f.dirty != 0 {
        f.state.or(k, f.dirty);
    }
    let n = view.len() / PAGE;
    let (lo, hi) = if write || f.around <= 1 {
        (k, k + 1)
    } else {
        let lo = k & !(f.around - 1);
        (lo, (lo + f.around).min(n))
    };
    // A write fault maps its page writable (and alone); reads map write-protected when asked.
    let mode = if !write && f.wp_reads { CONTINUE_MODE_WP } else { 0 };
    let (mapped_k, around, ours) = map_window(fd, view, f, k, lo, hi, mode);
    if write && f.dirty != 0 && f.state.load(k).is_some_and(|s| s & f.dirty == 0) {
        // Writeback cleared the bit between ours and the map: the page may be writable now.
        f.state.or(k, f.dirty);
    }
    recheck(view, f, lo, hi, &ours);
    match mapped_k {
        Ok(()) => Served::Mapped { around },
        Err(_) => Served::Defer,
    }
}

fn copy_page(fd: UffdFd<'_>, view: &Held, src: &Held, k: usize) -> Served {
    let (Some(dst), Some(from)) = (pages(view, k, k + 1), Span::within(src, k * PAGE, PAGE)) else {
        return Served::Defer;
    };
    match ioctl::copy_raw(fd, dst, from) {
        Ok(_) => Served::Mapped { around: 0 },
        Err(e) if e == Errno::EEXIST => wake(fd, dst),
        Err(_) => Served::Defer,
    }
}

fn wake(fd: UffdFd<'_>, s: Span<'_>) -> Served {
    match ioctl::wake(fd, s, "wake") {
        Ok(()) => Served::Mapped { around: 0 },
        Err(_) => Served::Defer,
    }
}

/// Map page `k` (servable) and the servable pages of `[lo, hi)` around it in runs, one
/// UFFDIO_CONTINUE with `mode` each (which wakes the waiters of what it maps); a page already
/// mapped stops a run (EEXIST) and is skipped, as the kernel's fault-around skips a present pte.
/// Returns whether page `k` is mapped (by us, or already: then its waiter is woken), how many
/// other pages were mapped, and which pages of the window we mapped.
fn map_window(
    fd: UffdFd<'_>,
    view: &Held,
    f: &FrameRule,
    k: usize,
    lo: usize,
    hi: usize,
    mode: u64,
) -> (std::result::Result<(), Errno>, u64, Window) {
    let wanted = |j: usize| j == k || f.servable(j);
    let (mut kres, mut around, mut ours, mut j) = (Err(Errno::EAGAIN), 0u64, Window::default(), lo);
    while j < hi {
        if !wanted(j) {
            j += 1;
            continue;
        }
        let mut e = j + 1;
        while e < hi && wanted(e) {
            e += 1;
        }
        let Some(span) = pages(view, j, e) else { break };
        let (bytes, res) = ioctl::cont_raw(fd, span, mode);
        let done = (bytes / PAGE).min(e - j);
        for p in j..j + done {
            ours.set(p - lo);
        }
        let got_k = j <= k && k < j + done;
        if got_k {
            kres = Ok(());
        }
        around += (done - usize::from(got_k)) as u64;
        match res {
            Ok(()) => j = e,
            Err(_) if done > 0 => j += done,
            Err(errno) if errno == Errno::EEXIST => {
                // Page j is mapped already (by the worker, or an earlier fault).
                if j == k {
                    kres = pages(view, k, k + 1)
                        .map_or(Err(Errno::EFAULT), |s| ioctl::wake(fd, s, "wake").map_err(|e| e.errno));
                }
                j += 1;
            }
            Err(errno) => {
                if j <= k && k < e {
                    kres = Err(errno);
                }
                j = e;
            }
        }
    }
    (kres, around, ours)
}

/// Pages of one fault-around window (at most [`MAX_AROUND`]), by offset from its first page.
#[derive(Default)]
struct Window([u64; MAX_AROUND as usize / 64]);

impl Window {
    fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    fn has(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
}

/// After mapping `[lo, hi)`: zap every page we mapped (`ours`) whose frame is no longer servable,
/// so no page stays mapped over a frame JS invalidated while we mapped it.
fn recheck(view: &Held, f: &FrameRule, lo: usize, hi: usize, ours: &Window) {
    for j in lo..hi {
        if ours.has(j - lo) && !f.servable(j) {
            zap_page(view, j);
        }
    }
}

/// Drop the page-table entry of view page `j` (madvise MADV_DONTNEED): its next access faults
/// again. Failure only leaves the mapping in place.
fn zap_page(view: &Held, j: usize) {
    if !view.contains(view.ptr() as usize + j * PAGE, PAGE) {
        return;
    }
    // SAFETY: page j lies inside `view`, a live MAP_SHARED arena mapping that `view` keeps
    // mapped; MADV_DONTNEED only drops page-table entries there, the memfd keeps the data.
    unsafe { libc::madvise(view.ptr().add(j * PAGE).cast(), PAGE, libc::MADV_DONTNEED) };
}
