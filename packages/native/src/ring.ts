/**
 * The native io_uring instance, as seen from TS: three shared buffers (SQE staging, CQE output,
 * control words) and one native call per batch. `packages/uring` builds liburing on top.
 */
import { binding, callNative, nativeError } from './binding.ts';
import { BiopathError, check } from './errors.ts';
import { arrayArg, boolArg, I32_MAX, intArg, optIntArg, optsArg, U32_MAX } from './args.ts';
import { iovaArg, lenArg } from './arena.ts';
import type { NativeRing as RawRing } from '../binding.cjs';

/** io_uring's limits: IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES, IORING_MAX_REG_BUFFERS. */
const MAX_ENTRIES = 32768;
const MAX_CQ_ENTRIES = 2 * MAX_ENTRIES;
const MAX_REG_BUFFERS = 16384;
const MAX_REG_FILES = 1 << 20;

/** Every field of `setup` checked, so nothing is truncated on its way to the kernel. */
function ringSetupArg(v: unknown): RingSetup {
  const o = optsArg<RingSetup>('createRing(setup)', v ?? null);
  return {
    entries: intArg('createRing(entries)', o.entries, 1, MAX_ENTRIES),
    cqEntries: optIntArg('createRing(cqEntries)', o.cqEntries, 1, MAX_CQ_ENTRIES),
    sqe128: boolArg('createRing(sqe128)', o.sqe128, false),
    singleIssuer: boolArg('createRing(singleIssuer)', o.singleIssuer, false),
    deferTaskrun: boolArg('createRing(deferTaskrun)', o.deferTaskrun, false),
    coopTaskrun: boolArg('createRing(coopTaskrun)', o.coopTaskrun, false),
    sqpollIdleMs: optIntArg('createRing(sqpollIdleMs)', o.sqpollIdleMs, 0, U32_MAX),
  };
}

export interface RingSetup {
  /** SQ size (power of two is used by the kernel; it rounds up). */
  entries: number;
  cqEntries?: number;
  /** 128-byte SQEs and 32-byte CQEs (NVMe passthrough). */
  sqe128?: boolean;
  singleIssuer?: boolean;
  deferTaskrun?: boolean;
  coopTaskrun?: boolean;
  /** Enable SQPOLL with this idle time in ms. */
  sqpollIdleMs?: number;
}

export interface RingBuffers {
  staging: ArrayBuffer;
  cqes: ArrayBuffer;
  ctl: ArrayBuffer;
  sqEntries: number;
  cqEntries: number;
  sqeSize: 64 | 128;
  cqeSize: 16 | 32;
  fd: number;
}

/** Control word indexes in `ctl` (Int32Array). */
export const CTL_SUBMITTED = 0;
export const CTL_REFUSED = 1;
export const CTL_CQES = 2;
export const CTL_ENTER_RES = 3;
export const CTL_SQ_HEAD = 4;
export const CTL_SQ_TAIL = 5;
export const CTL_CQ_HEAD = 6;
export const CTL_CQ_TAIL = 7;
export const CTL_REFUSED_TOTAL = 8;

/** One io_uring. Every method maps native failures to BiopathError. */
export class NativeRingHandle {
  readonly #raw: RawRing;
  readonly buffers: RingBuffers;
  #onReady: ((status: number) => void) | null = null;

  constructor(setupArg: RingSetup) {
    const setup = ringSetupArg(setupArg);
    check(!(setup.deferTaskrun && !setup.singleIssuer), 'EINVAL', 'createRing(deferTaskrun): requires singleIssuer');
    check(!(setup.deferTaskrun && setup.sqpollIdleMs !== undefined), 'EINVAL', 'createRing(deferTaskrun): cannot be combined with SQPOLL');
    this.#raw = callNative(() => new binding.NativeRing(setup));
    this.buffers = callNative(() => this.#raw.buffers()) as RingBuffers;
  }

  /** Validate and submit up to `n` staged SQEs, wait for `waitNr`, append CQEs; returns CQEs added. */
  submit(n: number, waitNr: number): number {
    intArg('ring.submit(n)', n, 0, U32_MAX);
    intArg('ring.submit(waitNr)', waitNr, 0, U32_MAX);
    try {
      return this.#raw.submit(n, waitNr);
    } catch (e) {
      throw nativeError(e);
    }
  }

  /** Copy available CQEs out without submitting. */
  reap(): number {
    try {
      return this.#raw.reap();
    } catch (e) {
      throw nativeError(e);
    }
  }

  registerBuffers(bufs: ReadonlyArray<{ iova: number; len: number }>): void {
    arrayArg('ring.registerBuffers(bufs)', bufs, 1, MAX_REG_BUFFERS).forEach((b, i) => {
      const o = optsArg<{ iova: number; len: number }>(`ring.registerBuffers(bufs[${i}])`, b ?? null);
      iovaArg(`ring.registerBuffers(bufs[${i}].iova)`, o.iova);
      lenArg(`ring.registerBuffers(bufs[${i}].len)`, o.len);
    });
    callNative(() => this.#raw.registerBuffers(bufs.map((b) => b.iova), bufs.map((b) => b.len)));
  }

  unregisterBuffers(): void {
    callNative(() => this.#raw.unregisterBuffers());
  }

  registerFiles(fds: readonly number[]): void {
    arrayArg('ring.registerFiles(fds)', fds, 1, MAX_REG_FILES).forEach((fd, i) => intArg(`ring.registerFiles(fds[${i}])`, fd, -1, I32_MAX));
    callNative(() => this.#raw.registerFiles([...fds]));
  }

  unregisterFiles(): void {
    callNative(() => this.#raw.unregisterFiles());
  }

  /** Opcodes the kernel supports. */
  probe(): number[] {
    return callNative(() => this.#raw.probe());
  }

  /**
   * Call `onReady(status)` on this thread's event loop each loop turn the ring has completions
   * (`status` 0, or a negative libuv errno if polling failed): the event loop's own epoll wait
   * watches the ring, no helper thread and no spinning. `onReady` should reap (or it runs again on
   * the next turn). `eventfd`: watch an eventfd registered with the ring (cleared before each call,
   * one read per wake) instead of the ring fd — needed with `deferTaskrun`, whose deferred
   * completions do not wake pollers of the ring fd. The watch starts unreferenced (it does not
   * keep the process alive; see {@link watchRef}); it ends with {@link unwatch} or {@link close},
   * after which `onReady` is never called. EINVAL for a non-function, EBUSY if already watching,
   * EBADFD when closed.
   */
  watch(onReady: (status: number) => void, eventfd = false): void {
    if (typeof onReady !== 'function') throw new BiopathError('EINVAL', `ring.watch(onReady): ${typeof onReady} is not a function`);
    boolArg('ring.watch(eventfd)', eventfd, false);
    callNative(() => this.#raw.watch(onReady, eventfd));
    this.#onReady = onReady; // the native side holds it weakly
  }

  /** True between {@link watch} and {@link unwatch} / {@link close}. */
  get watching(): boolean {
    return this.#onReady !== null;
  }

  /** Whether the watch keeps the event loop (and so the process) alive: true while a caller waits for IO. No-op when not watching. */
  watchRef(on: boolean): void {
    this.#raw.watchRef(on === true);
  }

  /** End the watch: `onReady` is never called after this. Idempotent. */
  unwatch(): void {
    this.#raw.unwatch();
    this.#onReady = null;
  }

  /** Close the ring (its watch first). */
  close(): void {
    this.#raw.close();
    this.#onReady = null;
  }
}
