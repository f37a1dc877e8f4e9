//! Native failures: a typed [`Errno`] plus a message naming the function and argument.
//!
//! Code below the napi bindings returns [`Result`]; code that needs to know *which* failure it got
//! compares [`Error::errno`] (never the message). The one conversion to a JS error is
//! `impl From<Error> for napi::Error` below: the reason becomes `"<errno>|<message>"`, which
//! src/binding.ts turns into a `BiopathError` with a Node-style code.

use std::fmt;

/// A positive Linux errno number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl Errno {
    pub const EIO: Errno = Errno(libc::EIO);
    pub const EBADF: Errno = Errno(libc::EBADF);
    pub const EAGAIN: Errno = Errno(libc::EAGAIN);
    pub const ENOMEM: Errno = Errno(libc::ENOMEM);
    pub const ENOENT: Errno = Errno(libc::ENOENT);
    pub const EFAULT: Errno = Errno(libc::EFAULT);
    pub const EBUSY: Errno = Errno(libc::EBUSY);
    pub const EEXIST: Errno = Errno(libc::EEXIST);
    pub const EINVAL: Errno = Errno(libc::EINVAL);
    pub const ENOTTY: Errno = Errno(libc::ENOTTY);
    pub const ENOSPC: Errno = Errno(libc::ENOSPC);
    pub const EBADFD: Errno = Errno(libc::EBADFD);

    /// The errno of an `io::Error`, EIO when it carries none.
    pub fn of_io(e: &std::io::Error) -> Errno {
        Errno(e.raw_os_error().unwrap_or(libc::EIO))
    }
}

/// A failure: what went wrong (`errno`) and where (`msg`, e.g. `"arenaCopy(dst): iova ..."`).
#[derive(Debug)]
pub struct Error {
    pub errno: Errno,
    pub msg: String,
}

pub type Result<T> = std::result::Result<T, Error>;

/// An error carrying `errno` and a message naming the function and argument.
pub fn err(errno: Errno, msg: impl Into<String>) -> Error {
    Error { errno, msg: msg.into() }
}

/// The calling thread's last OS error, prefixed with the failed call.
pub fn last_os(what: impl AsRef<str>) -> Error {
    from_io(std::io::Error::last_os_error(), what)
}

/// An `io::Error` (from the io-uring crate or std), prefixed with the failed call.
pub fn from_io(e: std::io::Error, what: impl AsRef<str>) -> Error {
    err(Errno::of_io(&e), format!("{}: {}", what.as_ref(), e))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}|{}", self.errno.0, self.msg)
    }
}

/// The boundary: every native failure reaches JS as `Error("<errno>|<message>")`.
impl From<Error> for napi::Error {
    fn from(e: Error) -> napi::Error {
        napi::Error::new(napi::Status::GenericFailure, e.to_string())
    }
}
