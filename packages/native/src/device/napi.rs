//! Block devices' napi bindings: open, close and describe a device or image file.

use napi_derive::napi;

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
pub fn open_device(path: String, write: bool, direct: bool, create: Option<bool>) -> napi::Result<i32> {
    Ok(super::open(&path, write, direct, create.unwrap_or(false))?)
}

/// close(2) of an fd `openDevice` returned. EBADF for any other fd (one a ring, userfaultfd or
/// anything else owns, or one already closed): a handle's fd is closed only by the handle.
#[napi]
pub fn close_fd(fd: i32) -> napi::Result<()> {
    Ok(super::close(fd)?)
}

/// Size, block sizes and queue limits of an open block device (ioctls + sysfs) or file (statx).
#[napi]
pub fn device_info(fd: i32) -> napi::Result<DeviceInfo> {
    let i = super::info(fd)?;
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
