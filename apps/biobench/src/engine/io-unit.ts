/**
 * fio's io_u: one IO slot, allocated once per job (`iodepth` of them) and reused; fixed shape.
 * The core fills ddir/offset/buflen; the engine owns `buf` (the bytes the IO reads or writes,
 * as a contiguous view) and `addr` (its own address for them: an IOVA, a user address...).
 */
export class IoU {
  /** Slot number; engines use it as the SQE user_data. */
  readonly index: number;
  ddir = 0;
  offset = 0;
  buflen = 0;
  /** Engine-owned view of at least the job's largest block. */
  buf: Uint8Array = new Uint8Array(0);
  /** Engine-owned address of `buf` (IOVA for io_uring, user address for the stack engine). */
  addr = 0;
  /** performance.now() when queued, and when its batch was committed (ms). */
  tQueue = 0;
  tCommit = 0;
  /** Bytes transferred, or a negative errno. */
  res = 0;
  /** Verify: generation written (writes) or expected (reads); 0 = not verified. */
  verifyGen = 0;

  constructor(index: number) {
    this.index = index;
  }
}

/** fio's queue() results (ioengines.h enum fio_q_status). */
export const FIO_Q_COMPLETED = 0;
export const FIO_Q_QUEUED = 1;
export const FIO_Q_BUSY = 2;
