/**
 * io_uring ABI: opcodes, flags and the byte layout of SQEs and CQEs (include/uapi/linux/io_uring.h).
 * Offsets are asserted against the kernel in test/abi-layout.test.ts.
 */

export const IORING_OP_NOP = 0;
export const IORING_OP_READV = 1;
export const IORING_OP_WRITEV = 2;
export const IORING_OP_FSYNC = 3;
export const IORING_OP_READ_FIXED = 4;
export const IORING_OP_WRITE_FIXED = 5;
export const IORING_OP_FALLOCATE = 17;
export const IORING_OP_READ = 22;
export const IORING_OP_WRITE = 23;
export const IORING_OP_URING_CMD = 46;

/** Names of the opcodes biopath prepares, for probes and messages. */
export const OPCODE_NAMES: Readonly<Record<string, number>> = {
  NOP: IORING_OP_NOP, READV: IORING_OP_READV, WRITEV: IORING_OP_WRITEV, FSYNC: IORING_OP_FSYNC,
  READ_FIXED: IORING_OP_READ_FIXED, WRITE_FIXED: IORING_OP_WRITE_FIXED, READ: IORING_OP_READ,
  WRITE: IORING_OP_WRITE, URING_CMD: IORING_OP_URING_CMD, FALLOCATE: IORING_OP_FALLOCATE,
};

export const IOSQE_FIXED_FILE = 1 << 0;
export const IOSQE_IO_DRAIN = 1 << 1;
export const IOSQE_IO_LINK = 1 << 2;
export const IOSQE_IO_HARDLINK = 1 << 3;
export const IOSQE_ASYNC = 1 << 4;
export const IOSQE_BUFFER_SELECT = 1 << 5;
export const IOSQE_CQE_SKIP_SUCCESS = 1 << 6;

export const IORING_FSYNC_DATASYNC = 1 << 0;
/** fallocate(2) modes (include/uapi/linux/falloc.h) for {@link IORING_OP_FALLOCATE}. */
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const IORING_NOP_INJECT_RESULT = 1 << 0;
export const IORING_URING_CMD_FIXED = 1 << 0;

export const IORING_CQE_F_BUFFER = 1 << 0;
export const IORING_CQE_F_MORE = 1 << 1;

/** SQE field byte offsets (struct io_uring_sqe). */
export const SQE_OPCODE = 0;
export const SQE_FLAGS = 1;
export const SQE_IOPRIO = 2;
export const SQE_FD = 4;
export const SQE_OFF = 8; // also cmd_op (u32) for URING_CMD
export const SQE_ADDR = 16;
export const SQE_LEN = 24;
export const SQE_OP_FLAGS = 28; // rw_flags / fsync_flags / nop_flags / uring_cmd_flags
export const SQE_USER_DATA = 32;
export const SQE_BUF_INDEX = 40;
export const SQE_PERSONALITY = 42;
export const SQE_FILE_INDEX = 44;
export const SQE_CMD = 48; // 16 bytes in a 64-byte SQE, 80 in a 128-byte one
export const SQE_SIZE = 64;
export const SQE128_SIZE = 128;

/** CQE field byte offsets (struct io_uring_cqe); a CQE32 appends big_cqe[2] (u64). */
export const CQE_USER_DATA = 0;
export const CQE_RES = 8;
export const CQE_FLAGS = 12;
export const CQE_BIG = 16;
export const CQE_SIZE = 16;
export const CQE32_SIZE = 32;

/** Largest user_data a JS number carries exactly. */
export const MAX_USER_DATA = Number.MAX_SAFE_INTEGER;
