//! Validation and IOVA translation of SQEs staged by TypeScript, before the kernel can see them.
//!
//! Policy-free: it only checks that every memory reference lies inside a live arena region
//! (or a registered buffer for FIXED ops) and rewrites IOVAs to host addresses. Opcodes whose
//! memory references it cannot check are refused. A refused SQE becomes a NOP that completes
//! with the refusal (-EFAULT / -EINVAL) under the same user_data.

use crate::arena::{Held, Mapping, Table};
use crate::error::Errno;
use std::sync::Arc;

pub const OP_NOP: u8 = 0;
pub const OP_READV: u8 = 1;
pub const OP_WRITEV: u8 = 2;
pub const OP_FSYNC: u8 = 3;
pub const OP_READ_FIXED: u8 = 4;
pub const OP_FALLOCATE: u8 = 17;
pub const OP_WRITE_FIXED: u8 = 5;
pub const OP_READ: u8 = 22;
pub const OP_WRITE: u8 = 23;
pub const OP_URING_CMD: u8 = 46;

const IOSQE_IO_DRAIN: u8 = 1 << 1;
const IOSQE_IO_LINK: u8 = 1 << 2;
const IOSQE_IO_HARDLINK: u8 = 1 << 3;
const IOSQE_BUFFER_SELECT: u8 = 1 << 5;
const IOSQE_CQE_SKIP_SUCCESS: u8 = 1 << 6;
const IORING_NOP_INJECT_RESULT: u32 = 1 << 0;
const IORING_URING_CMD_FIXED: u32 = 1 << 0;
const UIO_MAXIOV: usize = 1024;
// fallocate(2) modes the kernel knows: KEEP_SIZE, PUNCH_HOLE, COLLAPSE_RANGE, ZERO_RANGE,
// INSERT_RANGE, UNSHARE_RANGE (include/uapi/linux/falloc.h). Anything else is refused here.
const FALLOC_FL_KNOWN: u32 = 0x01 | 0x02 | 0x08 | 0x10 | 0x20 | 0x40;
const LOFF_MAX: u64 = i64::MAX as u64;

// NVMe passthrough command ops: _IOWR('N', 0x80..0x83, struct nvme_uring_cmd) (72 bytes).
pub const NVME_URING_CMD_IO: u32 = 0xC048_4E80;
pub const NVME_URING_CMD_IO_VEC: u32 = 0xC048_4E81;
pub const NVME_URING_CMD_ADMIN: u32 = 0xC048_4E82;
pub const NVME_URING_CMD_ADMIN_VEC: u32 = 0xC048_4E83;

/// What a check needs besides the SQE: the region table, registered buffers, and this SQE's own
/// iovec scratch and list of held mappings, both kept by the ring until the SQE's CQE is reaped.
pub struct Ctx<'a> {
    pub table: &'a Table<'a>,
    pub fixed: &'a [Held],
    pub scratch: &'a mut Vec<libc::iovec>,
    pub held: &'a mut Vec<Arc<Mapping>>,
}

fn rd32(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
pub fn rd64(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}
pub fn wr64(b: &mut [u8], o: usize, v: u64) {
    b[o..o + 8].copy_from_slice(&v.to_le_bytes());
}

impl Ctx<'_> {
    /// Keep exactly the mapping this SQE was translated against (not merely one with its id)
    /// until its CQE is reaped; the SQE carries only the bare address from here on.
    fn hold(&mut self, h: Held) -> u64 {
        let addr = h.addr();
        if self.held.last().is_none_or(|m| !Arc::ptr_eq(m, h.map())) {
            self.held.push(h.into_map());
        }
        addr
    }

    /// Translate (iova, len) in place at byte offset `at` of `b`; returns the host address.
    fn fix(&mut self, b: &mut [u8], at: usize, len: u64) -> Result<u64, Errno> {
        let h = self.table.translate(rd64(b, at), len)?;
        let addr = self.hold(h);
        wr64(b, at, addr);
        Ok(addr)
    }

    /// Translate an iovec array of `n` entries at IOVA `b[at]` into the scratch area.
    fn fix_iovecs(&mut self, b: &mut [u8], at: usize, n: usize) -> Result<(), Errno> {
        if n > UIO_MAXIOV {
            return Err(Errno::EINVAL);
        }
        let src = self.table.translate(rd64(b, at), (n * 16) as u64)?;
        self.hold(src.clone());
        self.scratch.clear();
        for k in 0..n {
            // SAFETY: `src` holds n * 16 bytes of a live region, so entry k's two u64s at
            // k*16 and k*16+8 lie inside it and stay mapped; read_unaligned needs no alignment.
            // The bytes are plain shared memory (any value is a valid u64), and whatever is read
            // is only used after translate() below has checked it.
            let (base, len) = unsafe {
                let e = src.ptr().add(k * 16);
                (
                    std::ptr::read_unaligned(e as *const u64),
                    std::ptr::read_unaligned(e.add(8) as *const u64),
                )
            };
            let h = self.table.translate(base, len)?;
            let addr = self.hold(h);
            self.scratch.push(libc::iovec {
                iov_base: addr as *mut libc::c_void,
                iov_len: len as usize,
            });
        }
        wr64(b, at, self.scratch.as_ptr() as u64);
        Ok(())
    }

    fn in_fixed(&self, buf_index: usize, p: u64, len: u64) -> Result<(), Errno> {
        let buf = self.fixed.get(buf_index).ok_or(Errno::EFAULT)?;
        if !buf.contains(p as usize, len as usize) {
            return Err(Errno::EFAULT);
        }
        Ok(())
    }

    /// Check and translate one SQE (`b` is 64 or 128 bytes). Err(errno) means refuse it.
    /// CQE_SKIP_SUCCESS is refused: the ring releases an SQE's memory when its CQE arrives.
    pub fn check(&mut self, b: &mut [u8]) -> Result<(), Errno> {
        if b[1] & (IOSQE_BUFFER_SELECT | IOSQE_CQE_SKIP_SUCCESS) != 0 {
            return Err(Errno::EINVAL);
        }
        let len = rd32(b, 24) as u64;
        match b[0] {
            OP_NOP => (rd32(b, 28) & !IORING_NOP_INJECT_RESULT == 0)
                .then_some(())
                .ok_or(Errno::EINVAL),
            OP_FSYNC => Ok(()),
            OP_FALLOCATE => check_fallocate(b),
            OP_READ | OP_WRITE => self.fix(b, 16, len).map(|_| ()),
            OP_READV | OP_WRITEV => self.fix_iovecs(b, 16, len as usize),
            OP_READ_FIXED | OP_WRITE_FIXED => {
                let p = self.fix(b, 16, len)?;
                self.in_fixed(u16::from_le_bytes([b[40], b[41]]) as usize, p, len)
            }
            OP_URING_CMD if b.len() == 128 => self.check_nvme(b),
            _ => Err(Errno::EINVAL),
        }
    }

    fn check_nvme(&mut self, b: &mut [u8]) -> Result<(), Errno> {
        const CMD: usize = 48;
        let op = rd32(b, 8);
        let fixed = rd32(b, 28) & IORING_URING_CMD_FIXED != 0;
        let data_len = rd32(b, CMD + 36) as u64;
        let meta_len = rd32(b, CMD + 32) as u64;
        match op {
            NVME_URING_CMD_IO | NVME_URING_CMD_ADMIN => {
                if data_len > 0 {
                    let p = self.fix(b, CMD + 24, data_len)?;
                    if fixed {
                        self.in_fixed(u16::from_le_bytes([b[40], b[41]]) as usize, p, data_len)?;
                    }
                }
            }
            NVME_URING_CMD_IO_VEC | NVME_URING_CMD_ADMIN_VEC if !fixed => {
                self.fix_iovecs(b, CMD + 24, data_len as usize)?;
            }
            _ => return Err(Errno::EINVAL),
        }
        if meta_len > 0 {
            self.fix(b, CMD + 16, meta_len)?;
        }
        Ok(())
    }
}

/// FALLOCATE carries no memory reference: off at 8, length in `addr` (16), mode in `len` (24).
/// As the kernel's io_fallocate_prep(), rw_flags, buf_index and splice_fd_in must be 0; the
/// mode must be known and offset and length must fit a loff_t with length > 0.
fn check_fallocate(b: &[u8]) -> Result<(), Errno> {
    let reserved = rd32(b, 28) != 0 || b[40..42] != [0, 0] || rd32(b, 44) != 0;
    let (off, len, mode) = (rd64(b, 8), rd64(b, 16), rd32(b, 24));
    if reserved || mode & !FALLOC_FL_KNOWN != 0 || len == 0 || off > LOFF_MAX || len > LOFF_MAX {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Turn a refused SQE into a NOP that completes with `-errno` and the same user_data,
/// keeping only the link/drain flags so a chain still fails as a chain.
pub fn refuse(b: &mut [u8], errno: Errno) {
    let flags = b[1] & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_IO_DRAIN);
    let user_data = rd64(b, 32);
    b.fill(0);
    b[0] = OP_NOP;
    b[1] = flags;
    b[24..28].copy_from_slice(&(-errno.0).to_le_bytes());
    b[28..32].copy_from_slice(&IORING_NOP_INJECT_RESULT.to_le_bytes());
    wr64(b, 32, user_data);
}
