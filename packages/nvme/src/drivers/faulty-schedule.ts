/**
 * The `faulty` driver's schedule: which request gets which fault. Rules are checked in order; the
 * first that matches a request's op and sector range and fires (n-th / every k-th matching
 * request, or with a probability drawn from a seeded generator) wins, up to `times` injections.
 */
import {
  BLK_STS_DEV_RESOURCE, BLK_STS_IOERR, BLK_STS_RESOURCE, REQ_OP_DISCARD, REQ_OP_FLUSH, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_WRITE_ZEROES,
} from '@biopath/block';
import { BiopathError } from '@biopath/native';

export type FaultOp = 'read' | 'write' | 'flush' | 'discard' | 'write-zeroes';

/** What to do to a chosen request. */
export type FaultAction =
  /** Fail it with `status` (a BLK_STS_*, default BLK_STS_IOERR): at `'submit'` (queueRq refuses it, nothing reaches the device) or at `'complete'` (default: the device did the IO, the driver reports failure). */
  | { kind: 'error'; status?: number; when?: 'submit' | 'complete' }
  /** Hold its completion for `polls` poll/wait rounds and/or `ms` milliseconds. */
  | { kind: 'delay'; polls?: number; ms?: number }
  /** The device moved only `bytes` (default: half, rounded down to whole blocks); a read's remaining bytes are set to `poison` (default 0xa5) and the request fails with BLK_STS_IOERR. */
  | { kind: 'short'; bytes?: number; poison?: number }
  /**
   * Answer queueRq busy with `status` (BLK_STS_RESOURCE, the default, or BLK_STS_DEV_RESOURCE):
   * nothing reaches the device, block keeps the request and retries it after a completion (the
   * retry is a new matching request). Counted in `stats.busy`. null_blk's `requeue_inject`.
   */
  | { kind: 'busy'; status?: number }
  /**
   * Accept it and lose it: it never reaches the device and never completes, until block's timeout
   * handler (`blkMqTimeoutWork`) finds it expired; the driver's `timeout` then re-arms the timer
   * `resets` times (default 0) and after that ends it with BLK_STS_TIMEOUT. null_blk's
   * `timeout_inject`.
   */
  | { kind: 'timeout'; resets?: number };

export interface FaultRule {
  action: FaultAction;
  /** Only these ops (default: all). */
  ops?: FaultOp[];
  /** Only requests overlapping sectors [first, end). */
  sectors?: [number, number];
  /** Fire on these matching requests (1-based ordinals among requests this rule matched). */
  nth?: number[];
  /** Fire on every k-th matching request. */
  every?: number;
  /** Fire with this probability (0..1), from the seeded generator. */
  probability?: number;
  /** At most this many injections (default unlimited). */
  times?: number;
}

export interface FaultyOptions {
  rules: FaultRule[];
  /** Seed of the generator behind `probability` (default 1). */
  seed?: number;
}

/** One injected fault, for the log. */
export interface FaultRecord {
  rule: number;
  kind: string;
  op: number;
  sector: number;
  tag: number;
}

export const FAULT_NONE = 0;
export const FAULT_ERROR_SUBMIT = 1;
export const FAULT_ERROR_COMPLETE = 2;
export const FAULT_DELAY = 3;
export const FAULT_SHORT = 4;
export const FAULT_BUSY = 5;
export const FAULT_TIMEOUT = 6;

const OPS: Record<FaultOp, number> = {
  read: REQ_OP_READ, write: REQ_OP_WRITE, flush: REQ_OP_FLUSH, discard: REQ_OP_DISCARD, 'write-zeroes': REQ_OP_WRITE_ZEROES,
};

/** mulberry32: a tiny deterministic PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function kindOf(a: FaultAction): number {
  if (a.kind === 'error') return a.when === 'submit' ? FAULT_ERROR_SUBMIT : FAULT_ERROR_COMPLETE;
  if (a.kind === 'delay') return FAULT_DELAY;
  if (a.kind === 'short') return FAULT_SHORT;
  if (a.kind === 'busy') {
    if (a.status !== undefined && a.status !== BLK_STS_RESOURCE && a.status !== BLK_STS_DEV_RESOURCE) {
      throw new BiopathError('EINVAL', `createFaultyDriver(rules): busy status ${a.status} is not BLK_STS_RESOURCE or BLK_STS_DEV_RESOURCE`);
    }
    return FAULT_BUSY;
  }
  if (a.kind === 'timeout') {
    if (a.resets !== undefined && !(Number.isInteger(a.resets) && a.resets >= 0)) {
      throw new BiopathError('EINVAL', `createFaultyDriver(rules): timeout resets ${a.resets} is not an integer >= 0`);
    }
    return FAULT_TIMEOUT;
  }
  throw new BiopathError('EINVAL', `createFaultyDriver(rules): unknown action kind ${(a as { kind: string }).kind}`);
}

export class FaultSchedule {
  readonly rules: FaultRule[];
  readonly log: FaultRecord[] = [];
  readonly #kinds: number[];
  readonly #ops: (Set<number> | null)[];
  readonly #matched: number[];
  readonly #fired: number[];
  readonly #rand: () => number;

  constructor(opts: FaultyOptions) {
    if (!opts || !Array.isArray(opts.rules)) throw new BiopathError('EINVAL', 'createFaultyDriver(opts.rules): must be an array');
    this.rules = opts.rules;
    this.#kinds = opts.rules.map((r) => kindOf(r.action));
    this.#ops = opts.rules.map((r) => (r.ops ? new Set(r.ops.map((o) => OPS[o])) : null));
    this.#matched = opts.rules.map(() => 0);
    this.#fired = opts.rules.map(() => 0);
    this.#rand = mulberry32(opts.seed ?? 1);
  }

  #fires(i: number, r: FaultRule): boolean {
    const n = ++this.#matched[i]!;
    if (r.times !== undefined && this.#fired[i]! >= r.times) return false;
    if (r.nth !== undefined) return r.nth.includes(n);
    if (r.every !== undefined) return r.every > 0 && n % r.every === 0;
    if (r.probability !== undefined) return this.#rand() < r.probability;
    return true;
  }

  /** The rule that fires for this request (and log it), or -1. */
  pick(op: number, sector: number, nsect: number, tag: number): number {
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i]!;
      const ops = this.#ops[i];
      if (ops !== null && !ops!.has(op)) continue;
      if (r.sectors && (sector + Math.max(nsect, 1) <= r.sectors[0] || sector >= r.sectors[1])) continue;
      if (!this.#fires(i, r)) continue;
      this.#fired[i]!++;
      this.log.push({ rule: i, kind: r.action.kind, op, sector, tag });
      return i;
    }
    return -1;
  }

  /** Forget the last injection of `rule` (the inner driver refused the request as busy; it will be retried). */
  unrecord(rule: number): void {
    this.#fired[rule]!--;
    this.#matched[rule]!--;
    this.log.pop();
  }

  kind(rule: number): number {
    return this.#kinds[rule]!;
  }

  status(rule: number): number {
    const a = this.rules[rule]!.action;
    if (a.kind === 'busy') return a.status ?? BLK_STS_RESOURCE;
    return a.kind === 'error' ? (a.status ?? BLK_STS_IOERR) : BLK_STS_IOERR;
  }

  /** How many times a lost request's timeout re-arms the timer before it ends. */
  timeoutResets(rule: number): number {
    const a = this.rules[rule]!.action;
    return a.kind === 'timeout' ? (a.resets ?? 0) : 0;
  }

  delayPolls(rule: number): number {
    const a = this.rules[rule]!.action;
    return a.kind === 'delay' ? Math.max(0, a.polls ?? (a.ms ? 0 : 1)) : 0;
  }

  delayMs(rule: number): number {
    const a = this.rules[rule]!.action;
    return a.kind === 'delay' ? Math.max(0, a.ms ?? 0) : 0;
  }

  shortBytes(rule: number, bytes: number, lbs: number): number {
    const a = this.rules[rule]!.action;
    const want = a.kind === 'short' && a.bytes !== undefined ? a.bytes : bytes / 2;
    return Math.min(bytes, Math.floor(want / lbs) * lbs);
  }

  poison(rule: number): number {
    const a = this.rules[rule]!.action;
    return a.kind === 'short' ? (a.poison ?? 0xa5) : 0xa5;
  }
}
