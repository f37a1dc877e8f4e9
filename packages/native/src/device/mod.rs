//! Block devices and image files: O_DIRECT open, size, block sizes, queue limits from sysfs,
//! NVMe namespace id and the matching generic char device. No policy: it reports what is there.

pub mod napi;

use crate::error::{err, last_os, Errno, Result};
use std::collections::BTreeSet;
use std::ffi::CString;
use std::sync::Mutex;

const BLKGETSIZE64: libc::c_ulong = 0x8008_1272;
const BLKSSZGET: libc::c_ulong = 0x1268;
const BLKPBSZGET: libc::c_ulong = 0x127B;
const NVME_IOCTL_ID: libc::c_ulong = 0x4E40;

/// Fds returned by [`open`] and not yet closed by [`close`]: the only ones `closeFd` may close.
/// Rings and userfaultfds own their fds; refusing everything else keeps a stale or foreign number
/// from closing a file that reused it.
static OPENED: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

/// Open `path` with O_CLOEXEC (and O_DIRECT when asked). Returns the fd.
pub fn open(path: &str, write: bool, direct: bool, create: bool) -> Result<i32> {
    let c = CString::new(path).map_err(|_| err(Errno::EINVAL, "openDevice(path): contains a NUL byte"))?;
    let mut flags = libc::O_CLOEXEC | if write { libc::O_RDWR } else { libc::O_RDONLY };
    if direct {
        flags |= libc::O_DIRECT;
    }
    if create {
        flags |= libc::O_CREAT;
    }
    let mut opened = OPENED.lock().unwrap();
    // SAFETY: `c` is a NUL-terminated C string that outlives the call; open only reads it (the
    // variadic mode argument is read only with O_CREAT).
    let fd = unsafe { libc::open(c.as_ptr(), flags, 0o600) };
    if fd < 0 {
        return Err(last_os(format!("openDevice({path})")));
    }
    opened.insert(fd);
    Ok(fd)
}

/// Close an fd [`open`] returned. The lock is held across close(2), so the number cannot be
/// reused by another `open` and recorded before it is forgotten here.
pub fn close(fd: i32) -> Result<()> {
    let mut opened = OPENED.lock().unwrap();
    if !opened.remove(&fd) {
        return Err(err(
            Errno::EBADF,
            format!("closeFd(fd): {fd} is not an fd openDevice returned (or it was closed already)"),
        ));
    }
    // SAFETY: `fd` came from open() above and was not closed since; Linux releases the number
    // even when close reports an error, so it is forgotten either way.
    if unsafe { libc::close(fd) } != 0 {
        return Err(last_os(format!("closeFd({fd})")));
    }
    Ok(())
}

#[derive(Default)]
pub struct Info {
    pub is_block: bool,
    pub size: u64,
    pub logical_block_size: u32,
    pub physical_block_size: u32,
    pub dma_alignment: u32,
    pub max_sectors_kb: u32,
    pub max_hw_sectors_kb: u32,
    pub max_segments: u32,
    pub max_segment_size: u32,
    pub virt_boundary_mask: u64,
    pub rotational: bool,
    pub major: u32,
    pub minor: u32,
    pub name: String,
    pub nsid: i32,
    pub ng_path: String,
}

fn sysfs(dir: &str, f: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("{dir}/{f}")).ok()?;
    s.trim().parse().ok()
}

fn ioctl_u64(fd: i32, req: libc::c_ulong) -> Option<u64> {
    let mut v: u64 = 0;
    // SAFETY: the callers pass only BLKGETSIZE64, whose argument is a u64 the kernel writes; `v`
    // is a live, aligned u64. On another kind of fd the ioctl fails without writing.
    (unsafe { libc::ioctl(fd, req, &mut v as *mut u64) } == 0).then_some(v)
}

fn ioctl_u32(fd: i32, req: libc::c_ulong) -> Option<u32> {
    let mut v: u32 = 0;
    // SAFETY: the callers pass only BLKSSZGET/BLKPBSZGET, whose argument is an int (u32) the
    // kernel writes; `v` is a live, aligned u32.
    (unsafe { libc::ioctl(fd, req, &mut v as *mut u32) } == 0).then_some(v)
}

/// Describe the open fd: a block device (ioctls + sysfs) or a regular file (statx DIO alignment).
pub fn info(fd: i32) -> Result<Info> {
    // SAFETY: libc::stat is plain data (integers only), for which all-zero bytes are valid.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat writes one `struct stat` into `st`, a live value of exactly that type.
    if unsafe { libc::fstat(fd, &mut st) } != 0 {
        return Err(last_os(format!("deviceInfo(fd={fd})")));
    }
    let mut i = Info {
        dma_alignment: 511,
        logical_block_size: 512,
        physical_block_size: 512,
        ..Default::default()
    };
    match st.st_mode & libc::S_IFMT {
        libc::S_IFBLK => block_info(fd, st.st_rdev, &mut i),
        libc::S_IFREG => file_info(fd, &st, &mut i),
        _ => {
            return Err(err(
                Errno::ENOTTY,
                format!("deviceInfo(fd={fd}): neither a block device nor a regular file"),
            ))
        }
    }
    Ok(i)
}

fn block_info(fd: i32, rdev: libc::dev_t, i: &mut Info) {
    i.is_block = true;
    i.major = libc::major(rdev);
    i.minor = libc::minor(rdev);
    i.size = ioctl_u64(fd, BLKGETSIZE64).unwrap_or(0);
    i.logical_block_size = ioctl_u32(fd, BLKSSZGET).unwrap_or(512);
    i.physical_block_size = ioctl_u32(fd, BLKPBSZGET).unwrap_or(i.logical_block_size);
    let base = format!("/sys/dev/block/{}:{}", i.major, i.minor);
    let q = if std::path::Path::new(&format!("{base}/partition")).exists() {
        format!("{base}/../queue")
    } else {
        format!("{base}/queue")
    };
    i.dma_alignment = sysfs(&q, "dma_alignment").unwrap_or(511) as u32;
    i.max_sectors_kb = sysfs(&q, "max_sectors_kb").unwrap_or(1280) as u32;
    i.max_hw_sectors_kb = sysfs(&q, "max_hw_sectors_kb").unwrap_or(i.max_sectors_kb as u64) as u32;
    i.max_segments = sysfs(&q, "max_segments").unwrap_or(128) as u32;
    i.max_segment_size = sysfs(&q, "max_segment_size").unwrap_or(65536) as u32;
    i.virt_boundary_mask = sysfs(&q, "virt_boundary_mask").unwrap_or(0);
    i.rotational = sysfs(&q, "rotational").unwrap_or(0) == 1;
    i.name = std::fs::read_link(&base)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    if i.name.starts_with("nvme") {
        // SAFETY: NVME_IOCTL_ID takes no argument (the kernel touches no memory of ours) and
        // returns the namespace id; on a non-NVMe fd it fails with ENOTTY.
        i.nsid = unsafe { libc::ioctl(fd, NVME_IOCTL_ID) };
        let ng = format!("/dev/ng{}", &i.name[4..]);
        if std::path::Path::new(&ng).exists() {
            i.ng_path = ng;
        }
    }
}

fn file_info(fd: i32, st: &libc::stat, i: &mut Info) {
    i.size = st.st_size as u64;
    // SAFETY: libc::statx is plain data (integers only), for which all-zero bytes are valid.
    let mut sx: libc::statx = unsafe { std::mem::zeroed() };
    let empty = c"";
    // SAFETY: `empty` is a NUL-terminated C string; with AT_EMPTY_PATH statx describes the fd
    // itself and writes one `struct statx` into `sx`, a live value of exactly that type.
    let r = unsafe { libc::statx(fd, empty.as_ptr(), libc::AT_EMPTY_PATH, libc::STATX_DIOALIGN, &mut sx) };
    if r == 0 && sx.stx_mask & libc::STATX_DIOALIGN != 0 && sx.stx_dio_offset_align != 0 {
        i.logical_block_size = sx.stx_dio_offset_align;
        i.physical_block_size = sx.stx_dio_offset_align.max(sx.stx_blksize);
        i.dma_alignment = sx.stx_dio_mem_align.saturating_sub(1);
    }
    i.max_sectors_kb = 1280;
    i.max_hw_sectors_kb = 1280;
    i.max_segments = 1024;
    i.max_segment_size = u32::MAX;
}
