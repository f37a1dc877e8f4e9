/**
 * prep helpers: each fills one SQE in the staging ring and nothing else — no syscall, no
 * allocation (liburing's io_uring_prep_*). Addresses are arena IOVAs; the native layer checks
 * them at submit. 64-bit fields take JS numbers (exact below 2^53; -1 means all ones).
 */
import type { IoUring } from './ring.ts';
import {
  IORING_OP_FALLOCATE, IORING_OP_FSYNC, IORING_OP_NOP, IORING_OP_READ, IORING_OP_READ_FIXED, IORING_OP_READV, IORING_OP_URING_CMD,
  IORING_OP_WRITE, IORING_OP_WRITE_FIXED, IORING_OP_WRITEV, IORING_NOP_INJECT_RESULT, SQE_ADDR, SQE_BUF_INDEX, SQE_FD, SQE_FLAGS,
  SQE_LEN, SQE_OFF, SQE_OP_FLAGS, SQE_OPCODE, SQE_USER_DATA, SQE_CMD,
} from './abi.ts';

const TWO32 = 4294967296;

function put64(r: IoUring, w: number, v: number): void {
  r.sqU32[w] = v >>> 0;
  r.sqU32[w + 1] = Math.floor(v / TWO32) >>> 0;
}

/** The common fields of a read/write-shaped SQE. @liburing src/include/liburing.h io_uring_prep_rw() */
export function prepRw(r: IoUring, sqe: number, op: number, fd: number, addr: number, len: number, offset: number): void {
  const b = sqe * r.sqeSize;
  const w = b >> 2;
  r.sqU8[b + SQE_OPCODE] = op;
  r.sqI32[w + (SQE_FD >> 2)] = fd;
  put64(r, w + (SQE_OFF >> 2), offset);
  put64(r, w + (SQE_ADDR >> 2), addr);
  r.sqU32[w + (SQE_LEN >> 2)] = len;
}

/** A NOP: completes with res 0. @liburing io_uring_prep_nop() */
export function prepNop(r: IoUring, sqe: number): void {
  r.sqU8[sqe * r.sqeSize + SQE_OPCODE] = IORING_OP_NOP;
}

/**
 * A NOP that completes with `res` (IORING_NOP_INJECT_RESULT; kernel ≥ 6.10). No liburing twin;
 * @kernel io_uring/nop.c io_nop_prep()
 */
export function prepNopInject(r: IoUring, sqe: number, res: number): void {
  const w = (sqe * r.sqeSize) >> 2;
  r.sqU8[sqe * r.sqeSize + SQE_OPCODE] = IORING_OP_NOP;
  r.sqI32[w + (SQE_LEN >> 2)] = res;
  r.sqU32[w + (SQE_OP_FLAGS >> 2)] = IORING_NOP_INJECT_RESULT;
}

/** READ of `nbytes` at `offset` into arena memory at `iova`. @liburing io_uring_prep_read() */
export function prepRead(r: IoUring, sqe: number, fd: number, iova: number, nbytes: number, offset: number): void {
  prepRw(r, sqe, IORING_OP_READ, fd, iova, nbytes, offset);
}

/** WRITE of `nbytes` at `offset` from arena memory at `iova`. @liburing io_uring_prep_write() */
export function prepWrite(r: IoUring, sqe: number, fd: number, iova: number, nbytes: number, offset: number): void {
  prepRw(r, sqe, IORING_OP_WRITE, fd, iova, nbytes, offset);
}

/**
 * READV: `iovecsIova` names an array of `nrVecs` 16-byte iovecs (arena IOVA base, u64 len) in the
 * arena (fill them with {@link putIovec}). @liburing io_uring_prep_readv()
 */
export function prepReadv(r: IoUring, sqe: number, fd: number, iovecsIova: number, nrVecs: number, offset: number): void {
  prepRw(r, sqe, IORING_OP_READV, fd, iovecsIova, nrVecs, offset);
}

/** WRITEV: as {@link prepReadv}, from memory. @liburing io_uring_prep_writev() */
export function prepWritev(r: IoUring, sqe: number, fd: number, iovecsIova: number, nrVecs: number, offset: number): void {
  prepRw(r, sqe, IORING_OP_WRITEV, fd, iovecsIova, nrVecs, offset);
}

/** READ_FIXED into registered buffer `bufIndex`; the range must lie inside that buffer. @liburing io_uring_prep_read_fixed() */
export function prepReadFixed(r: IoUring, sqe: number, fd: number, iova: number, nbytes: number, offset: number, bufIndex: number): void {
  prepRw(r, sqe, IORING_OP_READ_FIXED, fd, iova, nbytes, offset);
  r.sqU16[(sqe * r.sqeSize + SQE_BUF_INDEX) >> 1] = bufIndex;
}

/** WRITE_FIXED from registered buffer `bufIndex`. @liburing io_uring_prep_write_fixed() */
export function prepWriteFixed(r: IoUring, sqe: number, fd: number, iova: number, nbytes: number, offset: number, bufIndex: number): void {
  prepRw(r, sqe, IORING_OP_WRITE_FIXED, fd, iova, nbytes, offset);
  r.sqU16[(sqe * r.sqeSize + SQE_BUF_INDEX) >> 1] = bufIndex;
}

/** FSYNC (flags: IORING_FSYNC_DATASYNC). @liburing io_uring_prep_fsync() */
export function prepFsync(r: IoUring, sqe: number, fd: number, fsyncFlags: number): void {
  prepRw(r, sqe, IORING_OP_FSYNC, fd, 0, 0, 0);
  r.sqU32[((sqe * r.sqeSize) >> 2) + (SQE_OP_FLAGS >> 2)] = fsyncFlags;
}

/**
 * FALLOCATE of `len` bytes at `offset` with fallocate(2) `mode` (FALLOC_FL_*): the length goes in
 * the SQE's addr and the mode in its len, as the kernel reads them. With
 * FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE it is fio's io_uring trim: a hole in a file, a discard
 * (reads return zeroes) on a block device. @liburing io_uring_prep_fallocate()
 */
export function prepFallocate(r: IoUring, sqe: number, fd: number, mode: number, offset: number, len: number): void {
  prepRw(r, sqe, IORING_OP_FALLOCATE, fd, len, mode, offset);
}

/**
 * URING_CMD with `cmdOp` on `fd` (ring must use 128-byte SQEs for NVMe). The command body
 * goes at byte {@link sqeCmdOffset} of `r.sqU8`; the caller fills it.
 * @liburing io_uring_prep_uring_cmd() (liburing ≥ 2.7; older code set the fields by hand)
 */
export function prepUringCmd(r: IoUring, sqe: number, cmdOp: number, fd: number): void {
  prepRw(r, sqe, IORING_OP_URING_CMD, fd, 0, 0, 0);
  r.sqU32[((sqe * r.sqeSize) >> 2) + (SQE_OFF >> 2)] = cmdOp >>> 0;
}

/** Byte offset in `r.sqU8` of SQE `sqe`'s command area (80 bytes in a 128-byte SQE). */
export function sqeCmdOffset(r: IoUring, sqe: number): number {
  return sqe * r.sqeSize + SQE_CMD;
}

/** The value returned as the CQE's user_data. @liburing io_uring_sqe_set_data64() */
export function sqeSetData(r: IoUring, sqe: number, userData: number): void {
  put64(r, ((sqe * r.sqeSize) >> 2) + (SQE_USER_DATA >> 2), userData);
}

/** IOSQE_* flags. @liburing io_uring_sqe_set_flags() */
export function sqeSetFlags(r: IoUring, sqe: number, flags: number): void {
  r.sqU8[sqe * r.sqeSize + SQE_FLAGS] = flags;
}

/** Set the op-specific flags word (rw_flags such as RWF_NOWAIT, uring_cmd_flags, ...). */
export function sqeSetOpFlags(r: IoUring, sqe: number, flags: number): void {
  r.sqU32[((sqe * r.sqeSize) >> 2) + (SQE_OP_FLAGS >> 2)] = flags >>> 0;
}

/**
 * Write one 16-byte `struct iovec` (arena IOVA as iov_base, length as iov_len, both u64) at u32 word
 * `wordIndex` of `u32` (word index = byte offset / 4), for a READV/WRITEV iovec array in the arena.
 */
export function putIovec(u32: Uint32Array, wordIndex: number, iova: number, len: number): void {
  u32[wordIndex] = iova >>> 0;
  u32[wordIndex + 1] = Math.floor(iova / TWO32) >>> 0;
  u32[wordIndex + 2] = len >>> 0;
  u32[wordIndex + 3] = Math.floor(len / TWO32) >>> 0;
}
