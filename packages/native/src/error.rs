//! One place where native failures become JS errors. The reason is `"<errno>|<message>"`;
//! the TS entry (src/index.ts) turns it into a `BiopathError` with a Node-style code.

use napi::{Error, Status};

pub type Result<T> = std::result::Result<T, Error>;

/// An error carrying a positive errno and a message naming the function and argument.
pub fn err(errno: i32, msg: impl AsRef<str>) -> Error {
    Error::new(Status::GenericFailure, format!("{}|{}", errno, msg.as_ref()))
}

/// The calling thread's last OS error as a biopath error, prefixed with the failed call.
pub fn last_os(what: impl AsRef<str>) -> Error {
    from_io(std::io::Error::last_os_error(), what)
}

/// Map an `io::Error` (from the io-uring crate or std) to a biopath error.
pub fn from_io(e: std::io::Error, what: impl AsRef<str>) -> Error {
    let errno = e.raw_os_error().unwrap_or(libc::EIO);
    err(errno, format!("{}: {}", what.as_ref(), e))
}

pub const EINVAL: i32 = libc::EINVAL;
pub const EFAULT: i32 = libc::EFAULT;
