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

/** A pending {@link IoUring.waitCqeAsync}: how to resolve it, and its timeout if it has one. */
interface Waiter {
  resolve: (ready: number) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

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
    this.#deferTaskrun = setup?.deferTaskrun === true;
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
    if (this.#waiters.length !== 0) this.#wakeIfReady();
    return this.#ctl[CTL_SUBMITTED]!;
  }

  /** Submit everything staged and block until at least `waitNr` CQEs are ready. */
  submitAndWait(waitNr: number): number {
    this.#check();
    // the message is built only on failure: this runs once per wait on the IO path (no per-IO allocation)
    if (!(Number.isInteger(waitNr) && waitNr >= 0 && waitNr <= this.cqEntries)) {
      throw new BiopathError('EINVAL', `submitAndWait(waitNr): ${String(waitNr)} is not an integer in 0..${this.cqEntries}`);
    }
    const need = Math.max(0, waitNr - this.cqReady());
    this.native.submit(this.sqReady(), need);
    while (this.cqReady() < waitNr) this.native.submit(this.sqReady(), waitNr - this.cqReady());
    if (this.#waiters.length !== 0) this.#wakeIfReady();
    return this.#ctl[CTL_SUBMITTED]!;
  }

  /** Busy-poll step: move ready completions into the CQE ring (no syscall unless task work is due). */
  poll(): number {
    this.#check();
    const n = this.native.reap();
    if (this.#waiters.length !== 0) this.#wakeIfReady();
    return n;
  }

  /**
   * Resolve to the number of ready CQEs once there is at least one, or after `timeoutMs` (-1:
   * never) with what there is. Staged SQEs are submitted first. The wait is the event loop's own:
   * the ring is watched by its epoll (the native `watch`), so no thread waits and nothing spins,
   * and the JS thread stays free — submitting more while this is pending is fine. Any number of
   * waits may be pending; one wake resolves them all. A pending wait keeps the process alive;
   * `close()` resolves it. EINVAL for a bad `timeoutMs`, EBADFD when closed.
   */
  waitCqeAsync(timeoutMs = -1): Promise<number> {
    try {
      this.#check();
      check(Number.isInteger(timeoutMs) && timeoutMs >= -1 && timeoutMs <= 0x7fffffff, 'EINVAL',
        `waitCqeAsync(timeoutMs): ${String(timeoutMs)} is not an integer in -1..2147483647`);
    } catch (e) {
      return Promise.reject(e);
    }
    if (this.sqReady() > 0) this.native.submit(this.sqReady(), 0);
    if (this.cqReady() === 0) this.native.reap();
    if (this.cqReady() > 0) return Promise.resolve(this.cqReady());
    if (!this.native.watching) this.native.watch(this.#onReady, this.#deferTaskrun);
    if (this.#waiters.length === 0) this.native.watchRef(true);
    return new Promise<number>((resolve) => {
      const w: Waiter = { resolve, timer: null };
      if (timeoutMs >= 0) w.timer = setTimeout(() => this.#timedOut(w), timeoutMs);
      this.#waiters.push(w);
    });
  }

  /** Waits pending in {@link waitCqeAsync}. */
  #waiters: Waiter[] = [];
  readonly #deferTaskrun: boolean;

  /** The watch fired (the ring has completions): reap, so the ring fd stops reporting ready, and wake every waiter. */
  readonly #onReady = (status: number): void => {
    if (this.#closed) return;
    if (status < 0) this.native.unwatch(); // libuv stopped the poll: watch again on the next wait
    else this.native.reap();
    if (this.cqReady() > 0 || status < 0) this.#wakeAll();
  };

  /**
   * Every call that reaps (submit, poll) may move the completions a waiter waits for into the CQE
   * ring before the event loop sees the ring fd readable — and then it never will: wake them here.
   */
  #wakeIfReady(): void {
    if (this.cqReady() > 0) this.#wakeAll();
  }

  #wakeAll(): void {
    const w = this.#waiters;
    if (w.length === 0) return;
    this.#waiters = [];
    this.native.watchRef(false);
    const n = this.cqReady();
    for (let i = 0; i < w.length; i++) {
      const t = w[i]!.timer;
      if (t !== null) clearTimeout(t);
      w[i]!.resolve(n);
    }
  }

  #timedOut(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i < 0) return; // already woken
    this.#waiters.splice(i, 1);
    if (this.#waiters.length === 0) this.native.watchRef(false);
    if (!this.#closed) this.native.reap();
    w.resolve(this.cqReady());
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
    if (!(Number.isInteger(n) && n >= 0 && n <= this.cqReady())) { // message built only on failure (IO path)
      throw new BiopathError('EINVAL', `cqAdvance(n): ${String(n)} is not an integer in 0..${this.cqReady()} (the ready CQEs)`);
    }
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

  /** Close the ring (its watch first; pending {@link waitCqeAsync} calls resolve). In-flight IO is cancelled by the kernel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.native.close();
    this.#wakeAll();
  }
}
