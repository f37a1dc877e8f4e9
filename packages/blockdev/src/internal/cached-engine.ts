/**
 * Buffered IO for a handle: reads and writes through @biopath/page-cache (readahead, dirty folios,
 * writeback through bios, fsync). The cache's own pump reaps its bios; this module only counts
 * hits and misses, applies the writeback policy and tracks what is outstanding for `close`.
 * Every byte is copied once between the caller's buffer and the cache's folios (the kernel's
 * buffered IO does the same copy); strategies do not apply (the cache's bios use kernel pages).
 */
import {
  filemapGetFolio, filemapRead, filemapWrite, folioTestUptodate, fsync, writebackRange,
} from '@biopath/page-cache';
import type { AddressSpace, CacheFile } from '@biopath/page-cache';
import { PAGE_SIZE } from '@biopath/mm';
import type { ResolvedOptions } from '../options.ts';
import { BiopathError, errorFromErrno } from './native.ts';
import type { HandleStats } from './stats.ts';
import { OP_DISCARD, OP_FLUSH, OP_WRITE, OP_WRITE_ZEROES } from './io-req.ts';

const ZEROES = new Uint8Array(256 * 1024);

export class CachedEngine {
  readonly file: CacheFile;
  /** Calls started and not yet settled. */
  outstanding = 0;
  idleWaiters: (() => void)[] = [];

  constructor(readonly as: AddressSpace, readonly o: ResolvedOptions, readonly stats: HandleStats) {
    this.file = as.file;
  }

  /** Count each page of [offset, offset + length) as a hit (cached, uptodate) or a miss, before the IO. */
  private account(offset: number, length: number): void {
    const first = Math.floor(offset / PAGE_SIZE), last = Math.floor((offset + length - 1) / PAGE_SIZE);
    for (let i = first; i <= last; i++) {
      const pfn = filemapGetFolio(this.as, i);
      if (pfn >= 0 && folioTestUptodate(this.as.pc, pfn)) this.stats.cacheHits++;
      else this.stats.cacheMisses++;
    }
  }

  private async track<T>(fn: () => Promise<T>): Promise<T> {
    this.outstanding++;
    try {
      return await fn();
    } catch (e) {
      this.stats.errors++;
      throw e;
    } finally {
      if (--this.outstanding === 0 && this.idleWaiters.length > 0) {
        const w = this.idleWaiters;
        this.idleWaiters = [];
        for (const f of w) f();
      }
    }
  }

  read(offset: number, dst: Uint8Array, length: number): Promise<Uint8Array> {
    return this.track(async () => {
      this.account(offset, length);
      for (let done = 0; done < length;) { // a buffered read may return short, as read(2) does
        const n = await filemapRead(this.file, offset + done, done === 0 ? dst : dst.subarray(done), length - done);
        if (n <= 0) throw new BiopathError('EIO', `read(offset ${offset}, length ${length}): the cache returned ${n} at ${offset + done}`);
        done += n;
      }
      this.stats.countRead(length);
      this.stats.bytesCopied += length;
      return dst;
    });
  }

  write(offset: number, src: Uint8Array, length: number, fua: boolean): Promise<number> {
    return this.track(async () => {
      this.account(offset, length);
      await filemapWrite(this.file, offset, src, length);
      this.stats.bytesCopied += length;
      if (fua || this.o.writeThrough) await this.writeback(offset, length, fua);
      this.stats.countOther(OP_WRITE, length);
      return length;
    });
  }

  private async writeback(offset: number, length: number, fua: boolean): Promise<void> {
    const r = await writebackRange(this.as, offset, offset + length - 1, { sync: true, fua });
    if (r.error < 0) throw errorFromErrno(r.error, `write(offset ${offset}, length ${length}): writeback failed`);
  }

  flush(): Promise<void> {
    return this.track(async () => {
      await fsync(this.file);
      this.stats.countOther(OP_FLUSH, 0);
    });
  }

  /** Discard and write-zeroes write zeroes through the cache (the cache's pump owns the ring). */
  zeroRange(op: typeof OP_DISCARD | typeof OP_WRITE_ZEROES, offset: number, length: number): Promise<void> {
    return this.track(async () => {
      for (let done = 0; done < length;) {
        const n = Math.min(ZEROES.length, length - done);
        await filemapWrite(this.file, offset + done, ZEROES, n);
        done += n;
      }
      if (this.o.writeThrough) await this.writeback(offset, length, false);
      this.stats.countOther(op, length);
    });
  }

  idle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }
}
