//! The userfaultfd ioctls, once: each argument struct as the kernel lays it out (its size checked
//! against the size bits of the request number at compile time), and one function per ioctl that
//! takes the userfaultfd and ranges whose memory is known to stay mapped. The owner (`Uffd`), its
//! handler thread and every peer resolve faults through these.

use crate::arena::Held;
use crate::error::{last_os, Errno, Result};
use std::marker::PhantomData;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

pub const UFFD_API: u64 = 0xAA;
pub const PAGE: u64 = 4096;
/// UFFDIO_COPY_MODE_DONTWAKE, UFFDIO_ZEROPAGE_MODE_DONTWAKE and UFFDIO_CONTINUE_MODE_DONTWAKE.
pub const MODE_DONTWAKE: u64 = 1;
/// UFFDIO_CONTINUE_MODE_WP: map the page write-protected.
pub const CONTINUE_MODE_WP: u64 = 2;
const WRITEPROTECT_MODE_WP: u64 = 1;
const WRITEPROTECT_MODE_DONTWAKE: u64 = 2;

/// A userfaultfd, borrowed for one call. Made only from fds `userfaultfd(2)` returned, so the
/// request numbers below mean what they say on it.
#[derive(Clone, Copy)]
pub struct UffdFd<'a>(BorrowedFd<'a>);

impl<'a> UffdFd<'a> {
    /// `fd` must come from `userfaultfd(2)`.
    pub(super) fn new(fd: &'a OwnedFd) -> UffdFd<'a> {
        UffdFd(fd.as_fd())
    }
}

/// A host range an ioctl may name, valid for `'a`: (part of) a held arena range, or the page the
/// kernel just reported a fault on.
#[derive(Clone, Copy)]
pub struct Span<'a> {
    start: u64,
    len: u64,
    _hold: PhantomData<&'a Held>,
}

impl<'a> Span<'a> {
    /// All of `h`.
    pub fn of(h: &'a Held) -> Span<'a> {
        Span {
            start: h.addr(),
            len: h.len() as u64,
            _hold: PhantomData,
        }
    }
    /// `len` bytes at byte `off` of `h`; None if they leave it.
    pub fn within(h: &'a Held, off: usize, len: usize) -> Option<Span<'a>> {
        let end = off.checked_add(len)?;
        (end <= h.len()).then(|| Span {
            start: h.addr() + off as u64,
            len: len as u64,
            _hold: PhantomData,
        })
    }
}

impl Span<'static> {
    /// The page at `addr` the kernel reported a fault on. It lies in a registered range, which the
    /// kernel unregisters by itself if the range is ever unmapped, so it needs no hold of ours:
    /// at worst the ioctl fails (ENOENT/EFAULT) and the waiter is woken.
    pub fn fault_page(addr: u64) -> Span<'static> {
        Span {
            start: addr & !(PAGE - 1),
            len: PAGE,
            _hold: PhantomData,
        }
    }
}

#[repr(C)]
struct Range {
    start: u64,
    len: u64,
}
#[repr(C)]
struct Api {
    api: u64,
    features: u64,
    ioctls: u64,
}
#[repr(C)]
struct Register {
    range: Range,
    mode: u64,
    ioctls: u64,
}
#[repr(C)]
struct Copy {
    dst: u64,
    src: u64,
    len: u64,
    mode: u64,
    copy: i64,
}
#[repr(C)]
struct Zeropage {
    range: Range,
    mode: u64,
    zeropage: i64,
}
#[repr(C)]
struct Writeprotect {
    range: Range,
    mode: u64,
}
#[repr(C)]
struct Continue {
    range: Range,
    mode: u64,
    mapped: i64,
}
#[repr(C)]
struct Poison {
    range: Range,
    mode: u64,
    updated: i64,
}

/// An ioctl argument struct and its request number.
///
/// # Safety
/// `REQ` must be the userfaultfd request whose argument is exactly `Self` (same layout), so the
/// kernel reads and writes only the `Self` it is given.
unsafe trait Arg {
    const REQ: libc::c_ulong;
}

/// The size field (bits 16..30) of an `_IOC` request number.
const fn ioc_size(req: libc::c_ulong) -> usize {
    ((req >> 16) & 0x3fff) as usize
}

macro_rules! arg {
    ($t:ty, $req:expr) => {
        // SAFETY: $req is the _IOWR/_IOR('\xAA', ..) request for struct uffdio_* laid out as $t
        // (include/uapi/linux/userfaultfd.h); the assert below checks the size the number encodes.
        unsafe impl Arg for $t {
            const REQ: libc::c_ulong = $req;
        }
        const _: () = assert!(std::mem::size_of::<$t>() == ioc_size($req));
    };
}

/// An UNREGISTER or WAKE argument: a bare range (two request numbers share it).
#[repr(C)]
struct Unregister(Range);
#[repr(C)]
struct Wake(Range);

arg!(Api, 0xC018_AA3F);
arg!(Register, 0xC020_AA00);
arg!(Unregister, 0x8010_AA01);
arg!(Wake, 0x8010_AA02);
arg!(Copy, 0xC028_AA03);
arg!(Zeropage, 0xC020_AA04);
arg!(Writeprotect, 0xC018_AA06);
arg!(Continue, 0xC020_AA07);
arg!(Poison, 0xC020_AA08);

fn ioctl<T: Arg>(fd: UffdFd<'_>, arg: &mut T, what: &str) -> Result<()> {
    // SAFETY: T: Arg makes T::REQ the request whose argument is exactly a T, and `arg` is a live
    // T we hold exclusively for the call; `fd` is an open userfaultfd (UffdFd), so the request
    // means what T says. Addresses inside `arg` are only ever handed to the kernel, which checks
    // them against its own page tables; the Span types keep the memory they name mapped.
    if unsafe { libc::ioctl(fd.0.as_raw_fd(), T::REQ, arg as *mut T) } != 0 {
        return Err(last_os(what));
    }
    Ok(())
}

/// As [`ioctl`], for the handler's hot path: the errno alone, no message built.
fn ioctl_raw<T: Arg>(fd: UffdFd<'_>, arg: &mut T) -> std::result::Result<(), Errno> {
    // SAFETY: as in `ioctl`.
    if unsafe { libc::ioctl(fd.0.as_raw_fd(), T::REQ, arg as *mut T) } != 0 {
        return Err(Errno::of_io(&std::io::Error::last_os_error()));
    }
    Ok(())
}

fn range(s: Span<'_>) -> Range {
    Range {
        start: s.start,
        len: s.len,
    }
}

/// UFFDIO_API: handshake asking for `features`; returns (features granted, ioctls offered).
pub fn api(fd: UffdFd<'_>, features: u64) -> Result<(u64, u64)> {
    let mut a = Api {
        api: UFFD_API,
        features,
        ioctls: 0,
    };
    ioctl(fd, &mut a, &format!("userfaultfd UFFDIO_API(features={features:#x})"))?;
    Ok((a.features, a.ioctls))
}

/// UFFDIO_REGISTER `s` with `mode` (MISSING=1, WP=2, MINOR=4); returns the ioctls it allows.
pub fn register(fd: UffdFd<'_>, s: Span<'_>, mode: u64, what: &str) -> Result<u64> {
    let mut a = Register {
        range: range(s),
        mode,
        ioctls: 0,
    };
    ioctl(fd, &mut a, what)?;
    Ok(a.ioctls)
}

pub fn unregister(fd: UffdFd<'_>, s: Span<'_>, what: &str) -> Result<()> {
    ioctl(fd, &mut Unregister(range(s)), what)
}

/// UFFDIO_WAKE: wake the threads waiting on faults in `s`.
pub fn wake(fd: UffdFd<'_>, s: Span<'_>, what: &str) -> Result<()> {
    ioctl(fd, &mut Wake(range(s)), what)
}

/// UFFDIO_COPY `dst.len` bytes from `src` into missing pages at `dst`; returns bytes copied.
pub fn copy(fd: UffdFd<'_>, dst: Span<'_>, src: Span<'_>, mode: u64, what: &str) -> Result<i64> {
    debug_assert_eq!(dst.len, src.len);
    let mut a = Copy {
        dst: dst.start,
        src: src.start,
        len: dst.len,
        mode,
        copy: 0,
    };
    ioctl(fd, &mut a, what)?;
    Ok(a.copy)
}

/// UFFDIO_ZEROPAGE: map zero pages over missing pages in `s`; returns bytes mapped.
pub fn zeropage(fd: UffdFd<'_>, s: Span<'_>, mode: u64, what: &str) -> Result<i64> {
    let mut a = Zeropage {
        range: range(s),
        mode,
        zeropage: 0,
    };
    ioctl(fd, &mut a, what)?;
    Ok(a.zeropage)
}

/// UFFDIO_CONTINUE: map the page-cache pages already behind `s` (MINOR faults); bytes mapped.
pub fn cont(fd: UffdFd<'_>, s: Span<'_>, mode: u64, what: &str) -> Result<i64> {
    let mut a = Continue {
        range: range(s),
        mode,
        mapped: 0,
    };
    ioctl(fd, &mut a, what)?;
    Ok(a.mapped)
}

/// UFFDIO_CONTINUE for the handler's hot path: (bytes mapped, outcome). A run stopped by a page
/// that is already mapped maps a prefix (bytes > 0, EAGAIN) or nothing (EEXIST).
pub fn cont_raw(fd: UffdFd<'_>, s: Span<'_>, mode: u64) -> (usize, std::result::Result<(), Errno>) {
    let mut a = Continue {
        range: range(s),
        mode,
        mapped: 0,
    };
    let r = ioctl_raw(fd, &mut a);
    (a.mapped.max(0) as usize, r)
}

/// UFFDIO_COPY of one span for the handler's hot path: the errno alone on failure.
pub fn copy_raw(fd: UffdFd<'_>, dst: Span<'_>, src: Span<'_>) -> std::result::Result<(), Errno> {
    debug_assert_eq!(dst.len, src.len);
    let mut a = Copy {
        dst: dst.start,
        src: src.start,
        len: dst.len,
        mode: 0,
        copy: 0,
    };
    ioctl_raw(fd, &mut a)
}

/// UFFDIO_POISON (Linux 6.6+): install poison markers over the missing pages of `s`, so a later
/// access raises SIGBUS (a failed read behind a fault), and wake the waiters; returns bytes poisoned.
pub fn poison(fd: UffdFd<'_>, s: Span<'_>, what: &str) -> Result<i64> {
    let mut a = Poison {
        range: range(s),
        mode: 0,
        updated: 0,
    };
    ioctl(fd, &mut a, what)?;
    Ok(a.updated)
}

/// UFFDIO_WRITEPROTECT: write-protect `s` (`protect`) or lift it, waking writers unless `dontwake`.
pub fn write_protect(fd: UffdFd<'_>, s: Span<'_>, protect: bool, dontwake: bool, what: &str) -> Result<()> {
    let mut mode = 0;
    if protect {
        mode |= WRITEPROTECT_MODE_WP;
    }
    if dontwake {
        mode |= WRITEPROTECT_MODE_DONTWAKE;
    }
    ioctl(fd, &mut Writeprotect { range: range(s), mode }, what)
}
