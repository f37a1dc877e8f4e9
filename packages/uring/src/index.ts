/**
 * @biopath/uring — a TypeScript liburing over biopath's native ring: prep helpers that only fill
 * SQEs, one native call per batch, CQEs read from shared memory, three ways to wait.
 */
export { IoUring } from './ring.ts';
export type { RingSetup } from './ring.ts';
export {
  prepRw, prepNop, prepNopInject, prepRead, prepWrite, prepReadv, prepWritev, prepReadFixed, prepWriteFixed, prepFsync, prepFallocate,
  prepUringCmd, sqeCmdOffset, sqeSetData, sqeSetFlags, sqeSetOpFlags, putIovec,
} from './prep.ts';
export { probeRing } from './probe.ts';
export { preadSync, pwriteSync } from './sync-io.ts';
export type { UringProbe } from './probe.ts';
export {
  IORING_OP_NOP, IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_FSYNC, IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED,
  IORING_OP_READ, IORING_OP_WRITE, IORING_OP_URING_CMD, IORING_OP_FALLOCATE, OPCODE_NAMES,
  IOSQE_FIXED_FILE, IOSQE_IO_DRAIN, IOSQE_IO_LINK, IOSQE_IO_HARDLINK, IOSQE_ASYNC, IOSQE_BUFFER_SELECT, IOSQE_CQE_SKIP_SUCCESS,
  IORING_FSYNC_DATASYNC, FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, FALLOC_FL_ZERO_RANGE, IORING_NOP_INJECT_RESULT, IORING_URING_CMD_FIXED,
  SQE_OPCODE, SQE_FLAGS, SQE_IOPRIO, SQE_FD, SQE_OFF, SQE_ADDR, SQE_LEN, SQE_OP_FLAGS, SQE_USER_DATA, SQE_BUF_INDEX,
  SQE_PERSONALITY, SQE_FILE_INDEX, SQE_CMD, SQE_SIZE, SQE128_SIZE, CQE_USER_DATA, CQE_RES, CQE_FLAGS, CQE_BIG, CQE_SIZE,
  CQE32_SIZE, MAX_USER_DATA,
} from './abi.ts';
