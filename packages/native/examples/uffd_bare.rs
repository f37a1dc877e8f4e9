//! The floor for serving userfaultfd MINOR faults on this machine, for the page-cache benchmark to
//! compare biopath's mmap against: a memfd whose pages all exist, a second MAP_SHARED mapping of
//! it (the alias, as biopath's mmap view) registered for MINOR faults, and a bare handler thread
//! that does nothing but poll, read fault messages and UFFDIO_CONTINUE each faulting page — the
//! same loop shape as the shim's handler thread, without resolvers, state words, logs or peers.
//! The main thread reads one byte of every page of a fresh alias and times it.
//!
//! Usage: `cargo run --release -p biopath-native --example uffd_bare -- <pages> <reps>`; prints
//! one JSON line per rep: `{"pages":4096,"seconds":0.0213,"faults":4096,"faults_per_sec":192300}`.

#![deny(clippy::undocumented_unsafe_blocks)]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr;
use std::time::Instant;

const PAGE: usize = 4096;
const UFFD_API: u64 = 0xAA;
const UFFD_FEATURE_MINOR_SHMEM: u64 = 1 << 10;
const UFFDIO_REGISTER_MODE_MINOR: u64 = 4;
const UFFDIO_API: libc::c_ulong = 0xC018_AA3F;
const UFFDIO_REGISTER: libc::c_ulong = 0xC020_AA00;
const UFFDIO_CONTINUE: libc::c_ulong = 0xC020_AA07;
const UFFD_EVENT_PAGEFAULT: u8 = 0x12;

#[repr(C)]
struct Api {
    api: u64,
    features: u64,
    ioctls: u64,
}
#[repr(C)]
struct Register {
    start: u64,
    len: u64,
    mode: u64,
    ioctls: u64,
}
#[repr(C)]
struct Continue {
    start: u64,
    len: u64,
    mode: u64,
    mapped: i64,
}

fn check(ok: bool, what: &str) {
    if !ok {
        eprintln!("uffd_bare: {what}: {}", std::io::Error::last_os_error());
        std::process::exit(2);
    }
}

/// A fresh MAP_SHARED mapping of `len` bytes of `fd`.
fn map(fd: &OwnedFd, len: usize) -> *mut u8 {
    // SAFETY: a new shared mapping of our memfd at an address the kernel picks; nothing is replaced.
    let p = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            fd.as_raw_fd(),
            0,
        )
    };
    check(p != libc::MAP_FAILED, "mmap");
    p.cast()
}

/// The bare handler: poll, read up to 16 messages, CONTINUE each faulting page; until `stop` fires.
fn handler(uffd: i32, stop: i32) -> u64 {
    let mut msgs = [0u8; 32 * 16];
    let mut served = 0;
    loop {
        let mut pfd = [
            libc::pollfd {
                fd: uffd,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: stop,
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        // SAFETY: two valid, writable pollfds for the duration of the call.
        let r = unsafe { libc::poll(pfd.as_mut_ptr(), 2, 1000) };
        if pfd[1].revents != 0 {
            return served;
        }
        if r <= 0 {
            continue;
        }
        // SAFETY: read(2) writes at most msgs.len() bytes into a live local buffer.
        let n = unsafe { libc::read(uffd, msgs.as_mut_ptr().cast(), msgs.len()) };
        if n <= 0 {
            continue;
        }
        for m in msgs[..n as usize].chunks_exact(32) {
            if m[0] != UFFD_EVENT_PAGEFAULT {
                continue;
            }
            let addr = u64::from_le_bytes(m[16..24].try_into().unwrap()) & !(PAGE as u64 - 1);
            let mut c = Continue {
                start: addr,
                len: PAGE as u64,
                mode: 0,
                mapped: 0,
            };
            // SAFETY: UFFDIO_CONTINUE takes a struct uffdio_continue (laid out as Continue) and
            // names a page of the registered alias, which stays mapped until this thread is joined.
            unsafe { libc::ioctl(uffd, UFFDIO_CONTINUE, &mut c as *mut Continue) };
            served += 1;
        }
    }
}

/// One rep: a fresh alias of `fd`, registered MINOR, every page read once. (seconds, faults).
fn rep(fd: &OwnedFd, len: usize) -> (f64, u64) {
    let view = map(fd, len);
    // SAFETY: userfaultfd(2) takes only flags.
    let u = unsafe { libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC | libc::O_NONBLOCK) } as i32;
    check(u >= 0, "userfaultfd");
    // SAFETY: `u` is a fresh fd owned by this value alone.
    let uffd = unsafe { OwnedFd::from_raw_fd(u) };
    let mut api = Api {
        api: UFFD_API,
        features: UFFD_FEATURE_MINOR_SHMEM,
        ioctls: 0,
    };
    // SAFETY: UFFDIO_API takes a struct uffdio_api, laid out as Api.
    let ok = unsafe { libc::ioctl(u, UFFDIO_API, &mut api as *mut Api) } == 0;
    check(ok, "UFFDIO_API");
    let mut reg = Register {
        start: view as u64,
        len: len as u64,
        mode: UFFDIO_REGISTER_MODE_MINOR,
        ioctls: 0,
    };
    // SAFETY: UFFDIO_REGISTER takes a struct uffdio_register (laid out as Register) naming our alias.
    let ok = unsafe { libc::ioctl(u, UFFDIO_REGISTER, &mut reg as *mut Register) } == 0;
    check(ok, "UFFDIO_REGISTER");
    // SAFETY: eventfd(2) takes a count and flags.
    let e = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC) };
    check(e >= 0, "eventfd");
    // SAFETY: `e` is a fresh fd owned by this value alone.
    let stop = unsafe { OwnedFd::from_raw_fd(e) };
    let t = std::thread::spawn(move || handler(u, e));
    let t0 = Instant::now();
    let mut sum = 0u64;
    for p in 0..len / PAGE {
        // SAFETY: page p of our live alias; a volatile read so every page is really touched.
        sum += u64::from(unsafe { ptr::read_volatile(view.add(p * PAGE)) });
    }
    let dt = t0.elapsed().as_secs_f64();
    let one: u64 = 1;
    // SAFETY: write(2) reads 8 bytes from a live u64 into our eventfd.
    unsafe { libc::write(stop.as_raw_fd(), (&one as *const u64).cast(), 8) };
    let served = t.join().unwrap();
    drop(uffd);
    // SAFETY: `view` is our own mapping of `len` bytes, no longer used.
    unsafe { libc::munmap(view.cast(), len) };
    std::hint::black_box(sum);
    (dt, served)
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).map(|a| a.parse().expect("a number")).collect();
    let pages = args.first().copied().unwrap_or(4096);
    let reps = args.get(1).copied().unwrap_or(1);
    let len = pages * PAGE;
    // SAFETY: memfd_create(2) reads a NUL-terminated name we own.
    let m = unsafe { libc::memfd_create(c"uffd-bare".as_ptr(), libc::MFD_CLOEXEC) };
    check(m >= 0, "memfd_create");
    // SAFETY: `m` is a fresh fd owned by this value alone.
    let fd = unsafe { OwnedFd::from_raw_fd(m) };
    // SAFETY: ftruncate(2) on our memfd.
    let ok = unsafe { libc::ftruncate(m, len as libc::off_t) } == 0;
    check(ok, "ftruncate");
    let frames = map(&fd, len);
    for p in 0..len / PAGE {
        // SAFETY: page p of our live mapping: allocating every memfd page, so alias faults are MINOR.
        unsafe { ptr::write_volatile(frames.add(p * PAGE), (p % 251) as u8) };
    }
    for _ in 0..reps {
        let (dt, faults) = rep(&fd, len);
        println!(
            "{{\"pages\":{pages},\"seconds\":{dt:.6},\"faults\":{faults},\"faults_per_sec\":{:.0}}}",
            pages as f64 / dt
        );
    }
    // SAFETY: our own mapping, no longer used.
    unsafe { libc::munmap(frames.cast(), len) };
}
