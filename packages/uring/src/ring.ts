/**
 * IoUring: liburing's shape over the native ring. SQEs are written here, in TS, into the shared
 * staging ring; CQEs are read here from the shared CQE ring. A batch costs one native call
 * (`submit*`), never one per IO. The kernel only ever sees SQEs the native layer validated.
 */
import {
  NativeRingHandle, CTL_SUBMITTED, CTL_SQ_HEAD, CTL_SQ_TAIL, CTL_CQ_HEAD, CTL_CQ_TAIL, CTL_REFUSED_TOTAL,
  BiopathError, check,
} from '@biopath/native';
import type { RingSetup } from '@biopath/native';
import { CQE_FLAGS, CQE_RES, CQE_USER_DATA } from './abi.ts';

export type { RingSetup };
const TWO32 = 4294967296;

/** One io_uring. Not thread-safe: use it from the thread that created it. */
export class IoUring {
  readonly native: NativeRingHandle;
  readonly sqEntries: number;
  readonly cqEntries: number;
  readonly sqeSize: 64 | 128;
  readonly cqeSize: 16 | 32;
  /** Staging ring views: SQE `s` occupies bytes [s*sqeSize, (s+1)*sqeSize). */
  readonly sqU8: Uint8Array;
  readonly sqU16: Uint16Array;
  readonly sqU32: Uint32Array;
  readonly sqI32: Int32Array;
  readonly cqU32: Uint32Array;
  readonly cqI32: Int32Array;
  readonly #ctl: Int32Array;
  readonly #sqMask: number;
  readonly #cqMask: number;
  readonly #cqWords: number;
  #closed = false;

  /** Create a ring. Errors: EINVAL for bad setup, ENOMEM/EPERM from io_uring_setup. */
  constructor(setup: RingSetup) {
    this.native = new NativeRingHandle(setup);
    const b = this.native.buffers;
    this.sqEntries = b.sqEntries;
    this.cqEntries = b.cqEntries;
    this.sqeSize = b.sqeSize;
    this.cqeSize = b.cqeSize;
    this.sqU8 = new Uint8Array(b.staging);
    this.sqU16 = new Uint16Array(b.staging);
    this.sqU32 = new Uint32Array(b.staging);
    this.sqI32 = new Int32Array(b.staging);
    this.cqU32 = new Uint32Array(b.cqes);
    this.cqI32 = new Int32Array(b.cqes);
    this.#ctl = new Int32Array(b.ctl);
    this.#sqMask = b.sqEntries - 1;
    this.#cqMask = b.cqEntries - 1;
    this.#cqWords = b.cqeSize >> 2;
  }

  /** SQEs staged and not yet submitted. */
  sqReady(): number {
    return (this.#ctl[CTL_SQ_TAIL]! - this.#ctl[CTL_SQ_HEAD]!) | 0;
  }

  /** Free staging slots. */
  sqSpaceLeft(): number {
    return this.sqEntries - this.sqReady();
  }

  /**
   * Take the next staging slot, zeroed; returns its SQE index, or -1 when all `sqEntries` slots
   * hold SQEs not yet submitted (submit first). Like io_uring_get_sqe().
   */
  getSqe(): number {
    if (this.sqReady() >= this.sqEntries) return -1;
    const tail = this.#ctl[CTL_SQ_TAIL]!;
    const sqe = tail & this.#sqMask;
    const w = (sqe * this.sqeSize) >> 2;
    this.sqU32.fill(0, w, w + (this.sqeSize >> 2));
    this.#ctl[CTL_SQ_TAIL] = (tail + 1) | 0;
    return sqe;
  }

  /** Like {@link getSqe} but throws EBUSY ("ring full") instead of returning -1. */
  getSqeOrThrow(): number {
    const s = this.getSqe();
    if (s < 0) throw new BiopathError('EBUSY', `getSqe(): submission ring full (${this.sqEntries} SQEs staged); submit first`);
    return s;
  }

  #check(): void {
    if (this.#closed) throw new BiopathError('EBADFD', 'IoUring: ring is closed');
  }

  /** Submit everything staged; returns how many SQEs the kernel accepted. */
  submit(): number {
    this.#check();
    this.native.submit(this.sqReady(), 0);
    return this.#ctl[CTL_SUBMITTED]!;
  }

  /** Submit everything staged and block until at least `waitNr` CQEs are ready. */
  submitAndWait(waitNr: number): number {
    this.#check();
    check(Number.isInteger(waitNr) && waitNr >= 0 && waitNr <= this.cqEntries, 'EINVAL',
      `submitAndWait(waitNr): ${String(waitNr)} is not an integer in 0..${this.cqEntries}`);
    const need = Math.max(0, waitNr - this.cqReady());
    this.native.submit(this.sqReady(), need);
    while (this.cqReady() < waitNr) this.native.submit(this.sqReady(), waitNr - this.cqReady());
    return this.#ctl[CTL_SUBMITTED]!;
  }

  /** Busy-poll step: move ready completions into the CQE ring (no syscall unless task work is due). */
  poll(): number {
    this.#check();
    return this.native.reap();
  }

  /** Wait off the JS thread until completions are ready, then reap them. For embedders. */
  async waitCqeAsync(timeoutMs = -1): Promise<number> {
    this.#check();
    check(Number.isInteger(timeoutMs) && timeoutMs >= -1 && timeoutMs <= 0x7fffffff, 'EINVAL',
      `waitCqeAsync(timeoutMs): ${String(timeoutMs)} is not an integer in -1..2147483647`);
    if (this.sqReady() > 0) this.native.submit(this.sqReady(), 0);
    if (this.cqReady() === 0) this.native.reap();
    while (this.cqReady() === 0) {
      const ready = await this.native.waitReadable(timeoutMs);
      this.native.reap();
      if (!ready && timeoutMs >= 0) break;
    }
    return this.cqReady();
  }

  /** SQEs refused by native validation since the ring was created. */
  refusedTotal(): number {
    return this.#ctl[CTL_REFUSED_TOTAL]!;
  }

  /** CQEs ready to read. */
  cqReady(): number {
    return (this.#ctl[CTL_CQ_TAIL]! - this.#ctl[CTL_CQ_HEAD]!) | 0;
  }

  #cqWord(i: number): number {
    return (((this.#ctl[CTL_CQ_HEAD]! + i) & this.#cqMask) * this.#cqWords) | 0;
  }

  /** `res` of the i-th ready CQE (i < cqReady()). */
  cqeRes(i: number): number {
    return this.cqI32[this.#cqWord(i) + (CQE_RES >> 2)]!;
  }

  /** `user_data` of the i-th ready CQE, as a number (exact below 2^53). */
  cqeUserData(i: number): number {
    const w = this.#cqWord(i) + (CQE_USER_DATA >> 2);
    return this.cqU32[w + 1]! * TWO32 + this.cqU32[w]!;
  }

  /** `flags` of the i-th ready CQE. */
  cqeFlags(i: number): number {
    return this.cqU32[this.#cqWord(i) + (CQE_FLAGS >> 2)]!;
  }

  /** Word `k` (0..3) of a CQE32's big_cqe area, as u32 (NVMe: result dword is k=0). */
  cqeBigWord(i: number, k: number): number {
    check(this.cqeSize === 32, 'EINVAL', 'cqeBigWord(): ring was not created with sqe128 (CQE32)');
    return this.cqU32[this.#cqWord(i) + 4 + k]!;
  }

  /** Mark `n` CQEs consumed (io_uring_cq_advance). */
  cqAdvance(n: number): void {
    check(Number.isInteger(n) && n >= 0 && n <= this.cqReady(), 'EINVAL', `cqAdvance(n): ${String(n)} is not an integer in 0..${this.cqReady()} (the ready CQEs)`);
    this.#ctl[CTL_CQ_HEAD] = (this.#ctl[CTL_CQ_HEAD]! + n) | 0;
  }

  registerBuffers(bufs: ReadonlyArray<{ iova: number; len: number }>): void {
    this.#check();
    this.native.registerBuffers(bufs);
  }

  unregisterBuffers(): void {
    this.native.unregisterBuffers();
  }

  registerFiles(fds: readonly number[]): void {
    this.#check();
    this.native.registerFiles(fds);
  }

  unregisterFiles(): void {
    this.native.unregisterFiles();
  }

  /** Close the ring. In-flight IO is cancelled by the kernel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.native.close();
  }
}
