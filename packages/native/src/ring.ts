/**
 * The native io_uring instance, as seen from TS: three shared buffers (SQE staging, CQE output,
 * control words) and one native call per batch. `packages/uring` builds liburing on top.
 */
import { binding, callNative, nativeError } from './binding.ts';
import { check } from './errors.ts';
import type { NativeRing as RawRing } from '../binding.d.cts';

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

  constructor(setup: RingSetup) {
    check(Number.isInteger(setup.entries) && setup.entries > 0, 'EINVAL', `createRing(entries): ${setup.entries} is not a positive integer`);
    check(!(setup.deferTaskrun && !setup.singleIssuer), 'EINVAL', 'createRing(deferTaskrun): requires singleIssuer');
    check(!(setup.deferTaskrun && setup.sqpollIdleMs !== undefined), 'EINVAL', 'createRing(deferTaskrun): cannot be combined with SQPOLL');
    this.#raw = callNative(() => new binding.NativeRing(setup));
    this.buffers = callNative(() => this.#raw.buffers()) as RingBuffers;
  }

  /** Validate and submit up to `n` staged SQEs, wait for `waitNr`, append CQEs; returns CQEs added. */
  submit(n: number, waitNr: number): number {
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
    callNative(() => this.#raw.registerBuffers(bufs.map((b) => b.iova), bufs.map((b) => b.len)));
  }

  unregisterBuffers(): void {
    callNative(() => this.#raw.unregisterBuffers());
  }

  registerFiles(fds: readonly number[]): void {
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
   * Resolve once completions are ready (true) or after `timeoutMs` (false), waiting off the JS
   * thread. The ring stays usable meanwhile: submitting while this is pending is fine.
   */
  waitReadable(timeoutMs: number): Promise<boolean> {
    return binding.pollReadable(this.buffers.fd, timeoutMs).catch((e: unknown) => {
      throw nativeError(e);
    });
  }

  close(): void {
    this.#raw.close();
  }
}
