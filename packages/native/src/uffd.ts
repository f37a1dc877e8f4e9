/**
 * userfaultfd over arena regions, with a native handler thread that serves faults off the JS
 * thread. Ranges are arena (iova, len), page-aligned.
 */
import { binding, callNative } from './binding.ts';
import { boolArg, intArg, optsArg, reqBoolArg, I32_MAX, U32_MAX } from './args.ts';
import { iovaArg, lenArg } from './arena.ts';
import { BiopathError } from './errors.ts';
import type { Userfaultfd as RawUffd, UserfaultfdPeer as RawPeer, UffdStats, UffdEvent } from '../binding.cjs';

export type { UffdStats, UffdEvent };

export const UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1 << 0;
export const UFFD_FEATURE_MISSING_SHMEM = 1 << 5;
export const UFFD_FEATURE_THREAD_ID = 1 << 8;
export const UFFD_FEATURE_MINOR_SHMEM = 1 << 10;
export const UFFD_FEATURE_WP_HUGETLBFS_SHMEM = 1 << 12;
export const UFFD_FEATURE_WP_UNPOPULATED = 1 << 13;

export const UFFDIO_REGISTER_MODE_MISSING = 1;
export const UFFDIO_REGISTER_MODE_WP = 2;
export const UFFDIO_REGISTER_MODE_MINOR = 4;

export const UFFD_PAGEFAULT_FLAG_WRITE = 1;
export const UFFD_PAGEFAULT_FLAG_WP = 2;
export const UFFD_PAGEFAULT_FLAG_MINOR = 4;

/** `UserfaultfdPeer.continue` mode bits. @kernel include/uapi/linux/userfaultfd.h UFFDIO_CONTINUE_MODE_* */
export const UFFDIO_CONTINUE_MODE_DONTWAKE = 1;
export const UFFDIO_CONTINUE_MODE_WP = 2;

/** How the handler thread serves a fault in a range. */
export const UffdResolve = { zero: 0, copy: 1, continue: 2, defer: 3 } as const;
export type UffdResolveKind = keyof typeof UffdResolve;

/** Largest fault-around window a frame resolver takes, in pages. */
export const UFFD_MAX_FAULT_AROUND = 512;

/**
 * How the handler thread serves faults from per-page state words (see
 * {@link Userfaultfd.setFrameResolver}). The handler applies these numbers and nothing else.
 */
export interface UffdFrameRule {
  /** One word per page of the range, over a SharedArrayBuffer; JS accesses it only with `Atomics`. */
  state: Int32Array;
  /** Page k is served by the handler when `state[k] & mask === value`. */
  mask: number;
  value: number;
  /** Bit the handler sets in `state[k]` before mapping page k writable (0: none); outside `mask`. */
  dirty: number;
  /** Map read faults (and fault-around) write-protected, so a later write faults (CONTINUE only). */
  writeProtectReads: boolean;
  /** Fault-around window in pages: a power of two in 1..512 (1: the faulting page only). */
  faultAround: number;
  /** Private view: resolve by UFFDIO_COPY from this arena range (same offset) instead of CONTINUE. */
  copyFromIova?: number;
}

/** (iova, len) of a uffd call, both checked; `fn` is e.g. `uffd.register`. */
function range(fn: string, iova: unknown, len: unknown): void {
  iovaArg(`${fn}(iova)`, iova);
  lenArg(`${fn}(len)`, len);
}

/** (dst, src, len) of a copy call. */
function copyArgs(fn: string, dst: unknown, src: unknown, len: unknown): void {
  iovaArg(`${fn}(dst)`, dst);
  iovaArg(`${fn}(src)`, src);
  lenArg(`${fn}(len)`, len);
}

/** Features and ioctls the running kernel offers. EPERM/ENOSYS when userfaultfd is unavailable. */
export function uffdProbe(): { features: number; ioctls: number } {
  return callNative(() => binding.uffdProbe());
}

const WANTED = UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_MISSING_SHMEM | UFFD_FEATURE_THREAD_ID |
  UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_WP_HUGETLBFS_SHMEM | UFFD_FEATURE_WP_UNPOPULATED;

/** A userfaultfd whose handler thread resolves faults by per-range rules (see {@link UffdResolve}). */
export class Userfaultfd {
  readonly #raw: RawUffd;
  /** The UFFD_FEATURE_* bits requested at handshake (what biopath uses, masked by the kernel's offer). */
  readonly features: number;

  /** Handshake with every feature biopath uses that the kernel offers. */
  constructor() {
    this.features = uffdProbe().features & WANTED;
    this.#raw = callNative(() => new binding.Userfaultfd(this.features));
  }

  /** Process-wide handle another thread attaches a {@link UserfaultfdPeer} by (0 once closed). */
  get id(): number {
    return this.#raw.id;
  }

  /** UFFDIO_REGISTER; `modes` is an OR of UFFDIO_REGISTER_MODE_*. Returns the ioctl mask. */
  register(iova: number, len: number, modes: number): number {
    range('uffd.register', iova, len);
    intArg('uffd.register(modes)', modes, 1, 7);
    return callNative(() => this.#raw.register(iova, len, modes));
  }

  unregister(iova: number, len: number): void {
    range('uffd.unregister', iova, len);
    callNative(() => this.#raw.unregister(iova, len));
  }

  /** Serve faults in [iova, iova+len) by `kind`; `copy` reads the same offset from `srcIova`. */
  setResolver(iova: number, len: number, kind: UffdResolveKind, srcIova?: number): void {
    range('uffd.setResolver', iova, len);
    if (typeof kind !== 'string' || !Object.hasOwn(UffdResolve, kind)) {
      throw new BiopathError('EINVAL', `uffd.setResolver(kind): ${typeof kind === 'string' ? JSON.stringify(kind) : typeof kind} is not one of ${Object.keys(UffdResolve).join(', ')}`);
    }
    if (srcIova !== undefined) iovaArg('uffd.setResolver(srcIova)', srcIova);
    callNative(() => this.#raw.setResolver(iova, len, UffdResolve[kind], srcIova));
  }

  /**
   * Serve faults in [iova, iova+len) from the per-page words of `rule.state`, without waking JS:
   * a fault on page k whose word says it is servable is resolved by the handler thread itself
   * (UFFDIO_CONTINUE — write-protected for a read fault if asked, after setting the dirty bit for a
   * write fault — plus the servable, unmapped neighbours in its aligned `faultAround` window for a
   * read fault; or UFFDIO_COPY from `copyFromIova` for a private view). Every other fault, and one
   * whose resolve fails, is deferred to the peers as with `'defer'`. The handler never changes a
   * word except to set the dirty bit, never waits on one, and after mapping re-reads each word:
   * a page that stopped being servable is zapped again, a write whose dirty bit was cleared
   * meanwhile gets it back. EINVAL: a bad range, a state that is not an Int32Array over a
   * SharedArrayBuffer with a word per page, bits that do not fit the mask, a bad window.
   */
  setFrameResolver(iova: number, len: number, rule: UffdFrameRule): void {
    range('uffd.setFrameResolver', iova, len);
    const r = optsArg<UffdFrameRule>('uffd.setFrameResolver(rule)', rule);
    const st = r.state;
    if (!(st instanceof Int32Array) || !(st.buffer instanceof SharedArrayBuffer)) {
      throw new BiopathError('EINVAL', 'uffd.setFrameResolver(rule.state): not an Int32Array over a SharedArrayBuffer');
    }
    if (st.length < len / 4096) {
      throw new BiopathError('EINVAL', `uffd.setFrameResolver(rule.state): ${st.length} words for ${len / 4096} pages`);
    }
    const mask = intArg('uffd.setFrameResolver(rule.mask)', r.mask, 1, I32_MAX);
    const value = intArg('uffd.setFrameResolver(rule.value)', r.value, 0, I32_MAX);
    const dirty = intArg('uffd.setFrameResolver(rule.dirty)', r.dirty, 0, I32_MAX);
    if ((value & ~mask) !== 0 || (dirty & mask) !== 0) {
      throw new BiopathError('EINVAL', `uffd.setFrameResolver(rule.value): value ${value} must lie inside mask ${mask} and dirty ${dirty} outside it`);
    }
    const wp = reqBoolArg('uffd.setFrameResolver(rule.writeProtectReads)', r.writeProtectReads);
    const around = intArg('uffd.setFrameResolver(rule.faultAround)', r.faultAround, 1, UFFD_MAX_FAULT_AROUND);
    if ((around & (around - 1)) !== 0) {
      throw new BiopathError('EINVAL', `uffd.setFrameResolver(rule.faultAround): ${around} is not a power of two`);
    }
    if (r.copyFromIova !== undefined) iovaArg('uffd.setFrameResolver(rule.copyFromIova)', r.copyFromIova);
    callNative(() => this.#raw.setFrameResolver(iova, len, st, mask, value, dirty, wp, around, r.copyFromIova));
  }

  copy(dstIova: number, srcIova: number, len: number, dontwake?: boolean): number {
    copyArgs('uffd.copy', dstIova, srcIova, len);
    dontwake = boolArg('uffd.copy(dontwake)', dontwake, false);
    return callNative(() => this.#raw.copy(dstIova, srcIova, len, dontwake));
  }

  zeropage(iova: number, len: number, dontwake?: boolean): number {
    range('uffd.zeropage', iova, len);
    dontwake = boolArg('uffd.zeropage(dontwake)', dontwake, false);
    return callNative(() => this.#raw.zeropage(iova, len, dontwake));
  }

  continue(iova: number, len: number, dontwake?: boolean): number {
    range('uffd.continue', iova, len);
    dontwake = boolArg('uffd.continue(dontwake)', dontwake, false);
    return callNative(() => this.#raw.continue(iova, len, dontwake));
  }

  wake(iova: number, len: number): void {
    range('uffd.wake', iova, len);
    callNative(() => this.#raw.wake(iova, len));
  }

  writeProtect(iova: number, len: number, protect: boolean, dontwake?: boolean): void {
    range('uffd.writeProtect', iova, len);
    reqBoolArg('uffd.writeProtect(protect)', protect);
    dontwake = boolArg('uffd.writeProtect(dontwake)', dontwake, false);
    callNative(() => this.#raw.writeProtect(iova, len, protect, dontwake));
  }

  stats(): UffdStats {
    return callNative(() => this.#raw.stats());
  }

  /**
   * Take the log of faults seen, each logged before it was resolved. `resolvedBy`: the
   * {@link UffdResolve} kind used (a frame resolver logs `continue` or `copy` for a fault it
   * serves), 4 for a write-protect fault (page un-protected), or -1 when no rule covered it, the
   * rule was `defer` or a frame resolver deferred it (left for JS to resolve with
   * copy/zeropage/continue/wake).
   */
  drainEvents(): UffdEvent[] {
    return callNative(() => this.#raw.drainEvents());
  }

  /** Stop the handler thread and close the fd. Idempotent. */
  close(): void {
    this.#raw.close();
  }
}

/**
 * Another thread's handle on a live {@link Userfaultfd}, attached by its `id` (e.g. inside a
 * worker). While a peer is attached, faults the owner's handler leaves unresolved (resolver
 * `defer`, or no resolver) are queued for it: the faulting thread, even the owner's JS thread,
 * stays blocked until the peer resolves the page. The fd stays open until owner and peers close.
 */
export class UserfaultfdPeer {
  readonly #raw: RawPeer;

  /** Attach to userfaultfd `id`; ENOENT when it is not live. */
  constructor(id: number) {
    intArg('peer(id)', id, 1, U32_MAX);
    this.#raw = callNative(() => new binding.UserfaultfdPeer(id));
  }

  /**
   * Wait up to `timeoutMs` for unresolved faults; returns up to `max` (maybe none), or null once
   * the owner closed the userfaultfd. Blocks the calling thread: call it from a worker.
   */
  waitDeferred(timeoutMs: number, max?: number): UffdEvent[] | null {
    intArg('peer.waitDeferred(timeoutMs)', timeoutMs, 0, U32_MAX);
    max = max === undefined ? 64 : intArg('peer.waitDeferred(max)', max, 1, 65536);
    return callNative(() => this.#raw.waitDeferred(timeoutMs, max));
  }

  /** UFFDIO_CONTINUE with `mode` (UFFDIO_CONTINUE_MODE_*); returns bytes mapped. EEXIST if mapped. */
  continue(iova: number, len: number, mode?: number): number {
    range('peer.continue', iova, len);
    mode = mode === undefined ? 0 : intArg('peer.continue(mode)', mode, 0, 3);
    return callNative(() => this.#raw.continue(iova, len, mode));
  }

  /** UFFDIO_COPY from arena `srcIova` into missing pages at `dstIova` (MISSING faults); bytes copied. */
  copy(dstIova: number, srcIova: number, len: number, dontwake?: boolean): number {
    copyArgs('peer.copy', dstIova, srcIova, len);
    dontwake = boolArg('peer.copy(dontwake)', dontwake, false);
    return callNative(() => this.#raw.copy(dstIova, srcIova, len, dontwake));
  }

  writeProtect(iova: number, len: number, protect: boolean, dontwake?: boolean): void {
    range('peer.writeProtect', iova, len);
    reqBoolArg('peer.writeProtect(protect)', protect);
    dontwake = boolArg('peer.writeProtect(dontwake)', dontwake, false);
    callNative(() => this.#raw.writeProtect(iova, len, protect, dontwake));
  }

  /**
   * UFFDIO_POISON (Linux 6.6+): a later access of these not-yet-mapped pages raises SIGBUS, as
   * after a failed read behind a file fault; the blocked waiters are woken (and get the SIGBUS).
   * Returns bytes poisoned. EEXIST if a page there is already mapped.
   */
  poison(iova: number, len: number): number {
    range('peer.poison', iova, len);
    return callNative(() => this.#raw.poison(iova, len));
  }

  wake(iova: number, len: number): void {
    range('peer.wake', iova, len);
    callNative(() => this.#raw.wake(iova, len));
  }

  /** Detach. Idempotent. */
  close(): void {
    this.#raw.close();
  }
}
