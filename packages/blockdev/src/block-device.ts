/**
 * The embedder's handle: `openBlockDevice(target, options)` and its promise-based methods. Every
 * method validates its arguments first (BiopathError with `code`, naming the argument, as a
 * rejected promise), then hands the request to the direct engine (one plug per tick, pump for
 * completions) or to the page cache.
 *
 * Where a copy happens (direct IO): a buffer from this handle's `allocBuffer` (or any subarray of
 * one) is used in place — pinned (`pin`), referenced (`get`) or listed (`list`) — with no copy.
 * Any other Uint8Array/Buffer is copied into a pooled arena bounce buffer before a write is
 * submitted, and out of it after a read completed; `read(offset, length)` returns a new
 * Uint8Array (one copy out of the bounce buffer). Buffered handles copy once between the caller's
 * buffer and the cache, whatever the buffer.
 */
import type { BlockDevice, QueueLimits } from '@biopath/block';
import { BLK_FEAT_FUA, BLK_FEAT_WRITE_CACHE } from '@biopath/block';
import { PAGE_SIZE, type MemMap } from '@biopath/mm';
import { resolveOptions } from './options.ts';
import type { OpenOptions, ResolvedOptions } from './options.ts';
import { stackClose, stackOpen } from './internal/setup.ts';
import type { Stack } from './internal/setup.ts';
import { DirectEngine } from './internal/direct-engine.ts';
import { CachedEngine } from './internal/cached-engine.ts';
import { startPump } from './internal/pump.ts';
import { HandleStats } from './internal/stats.ts';
import { IoReq, OP_DISCARD, OP_FLUSH, OP_READ, OP_WRITE, OP_WRITE_ZEROES } from './internal/io-req.ts';
import type { IoGroup } from './internal/io-req.ts';
import { BiopathError } from './internal/native.ts';
import type { BlockDeviceStat, BlockDeviceStats, ReadRange, WriteRange } from './types.ts';

const fail = (code: string, msg: string): Promise<never> => Promise.reject(new BiopathError(code, msg));

/** A `{ addr }` out-parameter for buffer lookups (no allocation per IO). */
const where = { addr: 0 };

/** One executor for every request's promise (no closure per IO): it parks the resolvers here. */
const resolvers: { resolve: (v: unknown) => void; reject: (e: unknown) => void } = { resolve: unset, reject: unset };
function unset(): void {
  // a placeholder: takeResolvers overwrites both before they are read
}
function takeResolvers(resolve: (v: unknown) => void, reject: (e: unknown) => void): void {
  resolvers.resolve = resolve;
  resolvers.reject = reject;
}

/** An open block device. Create with {@link openBlockDevice}. */
export class BlockDeviceHandle {
  #s: Stack;
  #o: ResolvedOptions;
  #stats = new HandleStats();
  #direct: DirectEngine | null = null;
  #cached: CachedEngine | null = null;
  #closing: Promise<void> | null = null;
  #size: number;
  #lbs: number;

  /** @internal use openBlockDevice */
  constructor(s: Stack, o: ResolvedOptions) {
    this.#s = s;
    this.#o = o;
    this.#size = s.bdev.bd_nr_sectors * 512;
    this.#lbs = s.q.limits.logical_block_size;
    if (s.as !== null) this.#cached = new CachedEngine(s.as, o, this.#stats);
    else {
      const d = new DirectEngine(s, o, this.#stats);
      d.startPump = () => startPump(d);
      this.#direct = d;
    }
  }

  /** The faulty driver's schedule and log (`driver: 'faulty'`), else null. */
  get faults(): unknown {
    return this.#s.faults;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * Read `length` bytes into a new Uint8Array, or `buffer.byteLength` bytes into `buffer`, at byte
   * `offset`. Resolves to the buffer. Direct IO: offset and length must be multiples of the logical
   * block size (EINVAL).
   */
  read(offset: number, lengthOrBuffer: number | Uint8Array): Promise<Uint8Array> {
    if (this.#direct !== null && lengthOrBuffer instanceof Uint8Array && this.#fastOk(offset, lengthOrBuffer.byteLength)) {
      return this.#one(OP_READ, offset, lengthOrBuffer.byteLength, lengthOrBuffer, false) as Promise<Uint8Array>;
    }
    const buf = typeof lengthOrBuffer === 'number' ? null : lengthOrBuffer;
    const length = buf === null ? lengthOrBuffer as number : (buf instanceof Uint8Array ? buf.byteLength : -1);
    const bad = this.#check('read', OP_READ, offset, length, buf === null ? 'length' : 'buffer');
    if (bad !== null) return bad;
    if (this.#cached !== null) return this.#cached.read(offset, buf ?? new Uint8Array(length), length);
    return this.#one(OP_READ, offset, length, buf, false) as Promise<Uint8Array>;
  }

  /** Write `data` at byte `offset`; `fua` makes it durable before the promise resolves (REQ_FUA). Resolves to bytes written. */
  write(offset: number, data: Uint8Array, opts?: { fua?: boolean }): Promise<number> {
    if (this.#direct !== null && opts === undefined && !this.#o.readOnly && data instanceof Uint8Array && this.#fastOk(offset, data.byteLength)) {
      return this.#one(OP_WRITE, offset, data.byteLength, data, false) as Promise<number>;
    }
    const length = data instanceof Uint8Array ? data.byteLength : -1;
    const bad = this.#check('write', OP_WRITE, offset, length, 'data');
    if (bad !== null) return bad;
    const fua = opts?.fua === true;
    if (this.#cached !== null) return this.#cached.write(offset, data, length, fua);
    return this.#one(OP_WRITE, offset, length, data, fua) as Promise<number>;
  }

  /** Many reads in one call, submitted in one batch (one plug). Resolves to the buffers, in order; rejects with the first error once all are done. */
  readv(ranges: readonly ReadRange[]): Promise<Uint8Array[]> {
    if (!Array.isArray(ranges) || ranges.length === 0) return fail('EINVAL', 'readv(ranges): not a non-empty array');
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      const buf = r?.buffer ?? null;
      const length = buf !== null ? (buf instanceof Uint8Array ? buf.byteLength : -1) : r?.length ?? -1;
      const bad = this.#check('readv', OP_READ, r?.offset, length, buf !== null ? `ranges[${i}].buffer` : `ranges[${i}].length`);
      if (bad !== null) return bad;
    }
    if (this.#cached !== null) return Promise.all(ranges.map((r) => this.read(r.offset, r.buffer ?? r.length!)));
    return this.#many(OP_READ, ranges.length, (i) => ranges[i]!.offset, (i) => ranges[i]!.buffer ?? null, (i) => ranges[i]!.buffer?.byteLength ?? ranges[i]!.length!, false, true) as Promise<Uint8Array[]>;
  }

  /** Many writes in one call, one batch. Resolves to the total bytes written. */
  writev(ranges: readonly WriteRange[], opts: { fua?: boolean } = {}): Promise<number> {
    if (!Array.isArray(ranges) || ranges.length === 0) return fail('EINVAL', 'writev(ranges): not a non-empty array');
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      const length = r?.data instanceof Uint8Array ? r.data.byteLength : -1;
      const bad = this.#check('writev', OP_WRITE, r?.offset, length, `ranges[${i}].data`);
      if (bad !== null) return bad;
    }
    const fua = opts?.fua === true;
    if (this.#cached !== null) {
      return Promise.all(ranges.map((r) => this.#cached!.write(r.offset, r.data, r.data.byteLength, fua))).then((v) => v.reduce((a, b) => a + b, 0));
    }
    return this.#many(OP_WRITE, ranges.length, (i) => ranges[i]!.offset, (i) => ranges[i]!.data, (i) => ranges[i]!.data.byteLength, fua, false) as Promise<number>;
  }

  /** Make every completed write durable (REQ_OP_FLUSH; buffered handles: fsync, writeback first). */
  flush(): Promise<void> {
    if (this.#closing !== null) return fail('EBADF', 'flush(): the handle is closed');
    if (this.#cached !== null) return this.#cached.flush();
    return this.#one(OP_FLUSH, 0, 0, null, false).then(() => undefined);
  }

  /** Discard [offset, offset + length): its contents are undefined afterwards (zeroes on the null driver). EOPNOTSUPP when the device cannot. */
  discard(offset: number, length: number): Promise<void> {
    return this.#zeroish('discard', OP_DISCARD, offset, length);
  }

  /** Write zeroes to [offset, offset + length) without a data buffer (REQ_OP_WRITE_ZEROES). */
  writeZeroes(offset: number, length: number): Promise<void> {
    return this.#zeroish('writeZeroes', OP_WRITE_ZEROES, offset, length);
  }

  #zeroish(fn: string, op: typeof OP_DISCARD | typeof OP_WRITE_ZEROES, offset: number, length: number): Promise<void> {
    const bad = this.#check(fn, op, offset, length, 'length', true);
    if (bad !== null) return bad;
    if (this.#cached !== null) return this.#cached.zeroRange(op, offset, length);
    const lim = this.#s.q.limits;
    if ((op === OP_DISCARD ? lim.max_discard_sectors : lim.max_write_zeroes_sectors) === 0) {
      return fail('EOPNOTSUPP', `${fn}(): driver '${this.#s.driver.name}' does not support it`);
    }
    return this.#one(op, offset, length, null, false).then(() => undefined);
  }

  /**
   * The direct read/write fast path's whole check: open, offset a number, [offset, offset + length)
   * non-empty, inside the device and aligned to the logical block size (which also makes both
   * integers). Anything else takes the full check, which names what is wrong.
   */
  #fastOk(offset: number, length: number): boolean {
    const lbs = this.#lbs;
    return this.#closing === null && typeof offset === 'number' && offset >= 0 && length > 0 && offset + length <= this.#size &&
      offset % lbs === 0 && length % lbs === 0;
  }

  /** Validation shared by every IO call; a rejected promise, or null when the call may go ahead. */
  #check(fn: string, op: number, offset: unknown, length: number, lenName: string, alwaysAligned = false): Promise<never> | null {
    if (this.#closing !== null) return fail('EBADF', `${fn}(): the handle is closed`);
    if (op !== OP_READ && this.#o.readOnly) return fail('EROFS', `${fn}(): the handle was opened readOnly`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) return fail('EINVAL', `${fn}(offset): ${String(offset)} is not a byte offset`);
    if (!Number.isSafeInteger(length) || length <= 0) return fail('EINVAL', `${fn}(${lenName}): not a positive byte count${lenName.endsWith('length') ? '' : ' (a non-empty Uint8Array)'}`);
    if ((this.#direct !== null || alwaysAligned) && (offset % this.#lbs !== 0 || length % this.#lbs !== 0)) {
      const which = offset % this.#lbs !== 0 ? `offset): ${offset}` : `${lenName}): ${length} bytes`;
      return fail('EINVAL', `${fn}(${which} is not a multiple of the logical block size ${this.#lbs}${alwaysAligned ? '' : ' (direct IO)'}`);
    }
    if (offset + length > this.#size) {
      return fail(op === OP_WRITE ? 'ENOSPC' : 'EINVAL', `${fn}(offset): [${offset}, ${offset + length}) runs past the end of the device (${this.#size} bytes)`);
    }
    return null;
  }

  /** Prepare one direct request's buffer: the caller's arena buffer in place, or a bounce buffer. */
  #prepare(r: IoReq, buf: Uint8Array | null): void {
    const pool = this.#s.pool;
    r.buf = buf;
    if (buf !== null && pool.lookup(buf, where) !== null) {
      r.addr = where.addr;
      return;
    }
    const b = pool.bounce(r.length);
    r.bounce = b;
    r.addr = b.addr;
    const st = this.#stats;
    st.bounced++;
    if (r.op === OP_WRITE) b.view.set(buf!);
    if (buf !== null || r.op === OP_READ) st.bytesCopied += r.length;
  }

  #setup(d: DirectEngine, op: number, offset: number, length: number, buf: Uint8Array | null, fua: boolean): IoReq {
    const r = d.reqAlloc();
    r.op = op;
    r.offset = offset;
    r.length = length;
    r.fua = fua;
    if (op <= OP_WRITE) this.#prepare(r, buf);
    return r;
  }

  #one(op: number, offset: number, length: number, buf: Uint8Array | null, fua: boolean): Promise<unknown> {
    const d = this.#direct!;
    let r: IoReq;
    try {
      r = this.#setup(d, op, offset, length, buf, fua);
    } catch (e) {
      return Promise.reject(e);
    }
    const p = new Promise<unknown>(takeResolvers);
    r.resolve = resolvers.resolve;
    r.reject = resolvers.reject;
    d.queue(r);
    return p;
  }

  #many(
    op: number, n: number, off: (i: number) => number, buf: (i: number) => Uint8Array | null, len: (i: number) => number,
    fua: boolean, results: boolean,
  ): Promise<unknown> {
    const d = this.#direct!;
    const reqs: IoReq[] = [];
    try {
      for (let i = 0; i < n; i++) reqs.push(this.#setup(d, op, off(i), len(i), buf(i), fua));
    } catch (e) {
      for (const r of reqs) {
        if (r.bounce !== null) this.#s.pool.unbounce(r.bounce);
        d.reqFree(r);
      }
      return Promise.reject(e);
    }
    return new Promise<unknown>((resolve, reject) => {
      const g: IoGroup = { left: n, err: null, bytes: 0, results: results ? new Array<Uint8Array>(n) : null, resolve, reject };
      for (let i = 0; i < n; i++) {
        const r = reqs[i]!;
        r.group = g;
        r.index = i;
        d.queue(r);
      }
    });
  }

  /**
   * An arena-backed buffer of `size` bytes (rounded up to a power-of-two number of pages; the view
   * is exactly `size` long): IO to it or to any subarray of it is zero-copy. User memory of the
   * handle's process for `pin`/`get`, kernel pages for `list`. Free with {@link freeBuffer} or
   * let `close()` free it.
   */
  allocBuffer(size: number): Uint8Array {
    if (this.#closing !== null) throw new BiopathError('EBADF', 'allocBuffer(): the handle is closed');
    if (!Number.isSafeInteger(size) || size <= 0 || size > 2 ** 30) throw new BiopathError('EINVAL', `allocBuffer(size): ${String(size)} is not an integer in 1..${2 ** 30}`);
    return this.#s.pool.alloc(size, true).view.subarray(0, size);
  }

  /** Give back a buffer from {@link allocBuffer} (no IO on it may be in flight). */
  freeBuffer(buf: Uint8Array): void {
    const b = buf instanceof Uint8Array ? this.#s.pool.lookup(buf, where) : null;
    if (b === null || where.addr !== b.addr) throw new BiopathError('EINVAL', 'freeBuffer(buf): not a buffer allocBuffer returned');
    this.#s.pool.release(b);
  }

  /** Geometry, limits and configuration. */
  stat(): BlockDeviceStat {
    const s = this.#s, o = this.#o, lim: QueueLimits = s.q.limits;
    return {
      size: this.#size, logicalBlockSize: lim.logical_block_size, physicalBlockSize: lim.physical_block_size,
      maxIoBytes: lim.max_sectors * 512, maxSegments: lim.max_segments, dmaAlignment: lim.dma_alignment + 1,
      maxDiscardBytes: lim.max_discard_sectors * 512, maxWriteZeroesBytes: lim.max_write_zeroes_sectors * 512,
      writeCache: (lim.features & BLK_FEAT_WRITE_CACHE) !== 0, fua: (lim.features & BLK_FEAT_FUA) !== 0,
      driver: o.driver, innerDriver: o.inner, strategy: o.strategy, profile: o.profile, release: o.release,
      queueDepth: o.queueDepth, direct: o.direct, cacheBytes: o.cachePages * PAGE_SIZE, readOnly: o.readOnly,
    };
  }

  /** Counters since open: IOs, bytes, errors, copies, pins/refs taken and released, cache hits/misses. */
  stats(): BlockDeviceStats {
    const st = this.#stats, mem: MemMap = this.#s.mem;
    const held = this.#refsHeld();
    return {
      reads: st.reads, writes: st.writes, flushes: st.flushes, discards: st.discards, writeZeroes: st.writeZeroes,
      bytesRead: st.bytesRead, bytesWritten: st.bytesWritten, errors: st.errors, cancelled: st.cancelled,
      bounced: st.bounced, bytesCopied: st.bytesCopied,
      inFlight: this.#direct !== null ? this.#direct.inflight + this.#direct.npending : this.#cached!.outstanding,
      pinsAcquired: mem.nrFollPinAcquired, pinsReleased: mem.nrFollPinReleased,
      refsTaken: st.refsTaken, refsReleased: st.refsTaken - held,
      cacheHits: st.cacheHits, cacheMisses: st.cacheMisses,
    };
  }

  /** FOLL_GET references IO holds now on the handle's user buffers: refcount above what the mapping holds. */
  #refsHeld(): number {
    if (this.#o.profile !== 'legacy' || this.#o.strategy === 'list') return 0;
    const pool = this.#s.pool, rc = this.#s.mem.refcount;
    let n = 0;
    for (const b of pool.bufs) if (b !== null) n += rc[b.pfn]! - (1 << b.order);
    for (const list of pool.free) if (list !== undefined) for (const b of list) n += rc[b.pfn]! - (1 << b.order);
    return n;
  }

  /**
   * Close: wait for every IO in flight (buffered: then write back dirty data), then give back the
   * driver, queue, memory and buffers. `abort: true` rejects the IOs not yet submitted with
   * ECANCELED and drops dirty cached data; IO already at the device is waited for (a device
   * cannot take DMA back). Idempotent: a second call returns the first call's promise.
   */
  close(opts: { abort?: boolean } = {}): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const abort = opts?.abort === true;
    this.#closing = this.#doClose(abort);
    return this.#closing;
  }

  async #doClose(abort: boolean): Promise<void> {
    if (this.#direct !== null) {
      if (abort) this.#direct.cancelPending();
      await this.#direct.idle();
    } else await this.#cached!.idle();
    const err = await stackClose(this.#s, !abort);
    if (err < 0) throw new BiopathError('EIO', 'close(): writing back dirty cached data failed');
  }

  /** @internal the block device (tests, benchmarks). */
  get bdev(): BlockDevice {
    return this.#s.bdev;
  }
}

/**
 * Open `target` — an image file or block device path, or for `driver: 'null'` a size in bytes —
 * through the biopath stack. Throws BiopathError: EINVAL for bad options (named), the driver's own
 * errors for the open (ENOENT, EACCES, …). Synchronous setup, asynchronous IO.
 */
export function openBlockDevice(target: string | number, options: OpenOptions = {}): BlockDeviceHandle {
  if (typeof target !== 'string' && (typeof target !== 'number' || !Number.isSafeInteger(target) || target <= 0)) {
    throw new BiopathError('EINVAL', `openBlockDevice(target): ${String(target)} is not a path or a positive size`);
  }
  const o = resolveOptions(target, options);
  return new BlockDeviceHandle(stackOpen(target, o), o);
}
