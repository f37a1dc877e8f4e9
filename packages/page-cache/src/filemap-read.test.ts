import { afterEach, describe, expect, it } from 'vitest';
import { createMemMap, destroyMemMap, PAGE_SIZE, type MemMap } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';
import { createPageCache, type PageCache } from './page-cache.ts';
import { createRamIo, type RamIo } from './__fixtures__/ram-io.ts';
import { filemapRead, filemapReadNowait } from './filemap-read.ts';
import { CACHE_IO_READ } from './cache-io.ts';
import { __createAddressSpace, destroyAddressSpace } from './lifecycle.ts';

let mem: MemMap;
let pc: PageCache;
let io: RamIo;
let as: AddressSpace;

function setup(pages = 1024, capacity = 512, raKb = 128): void {
  mem = createMemMap({ nrPages: pages });
  pc = createPageCache({ mem, capacityPages: capacity });
  io = createRamIo(mem, 4 << 20, { maxPages: 64 });
  as = __createAddressSpace({ pc, io, readAheadKb: raKb });
}

afterEach(async () => {
  await destroyAddressSpace(as, { writeback: false });
  destroyMemMap(mem);
});

const reads = () => io.log.filter((l) => l[0] === CACHE_IO_READ).map((l) => [l[1] / PAGE_SIZE, l[2]]);

describe('filemapRead', () => {
  it('returns the device bytes at any offset and length, short at the end', async () => {
    setup();
    const buf = new Uint8Array(10000);
    expect(await filemapRead(as.file, 4096 * 3 + 17, buf)).toBe(10000);
    expect(Buffer.from(buf).equals(Buffer.from(io.disk.subarray(4096 * 3 + 17, 4096 * 3 + 17 + 10000)))).toBe(true);
    const tail = new Uint8Array(8192);
    expect(await filemapRead(as.file, as.i_size - 100, tail)).toBe(100);
    expect(await filemapRead(as.file, as.i_size, tail)).toBe(0);
  });

  it('serves cached data without IO: the nowait core copies synchronously', async () => {
    setup();
    const buf = new Uint8Array(4096);
    expect(filemapReadNowait(as.file, 8192, buf, 0, 4096)).toBe(-11);
    await filemapRead(as.file, 8192, buf);
    const n = io.log.length;
    expect(filemapReadNowait(as.file, 8192, buf, 0, 4096)).toBe(4096);
    expect(io.log.length).toBe(n);
  });

  it('sequential reads grow the readahead window (a sync window of 4, then async windows doubling to the max)', async () => {
    setup();
    const buf = new Uint8Array(4096);
    for (let p = 0; p < 200; p++) await filemapRead(as.file, p * 4096, buf);
    const r = reads();
    expect(r[0]).toEqual([0, 4]);
    const sizes = r.map((x) => x[1]);
    expect(sizes.slice(0, 5)).toEqual([4, 8, 16, 32, 32]);
    expect(as.stats.nr_ra_sync).toBe(1);
    expect(as.stats.nr_ra_async).toBeGreaterThanOrEqual(6);
    let next = 0;
    for (const [start, nr] of r) {
      expect(start).toBe(next);
      next = start + nr;
    }
  });

  it('a random read after a sequential stream reads just what was asked', async () => {
    setup();
    const buf = new Uint8Array(4096);
    for (let p = 0; p < 8; p++) await filemapRead(as.file, p * 4096, buf);
    const before = io.log.length;
    await filemapRead(as.file, 700 * 4096, buf);
    expect(reads().slice(before - io.log.length + reads().length)).toEqual([[700, 1]]);
    await filemapRead(as.file, 300 * 4096, buf);
    expect(reads().at(-1)).toEqual([300, 1]);
  });

  it('readahead off reads one page per miss', async () => {
    setup(1024, 512, 0);
    const buf = new Uint8Array(4096 * 3);
    await filemapRead(as.file, 0, buf);
    expect(reads()).toEqual([[0, 1], [1, 1], [2, 1]]);
  });

  it('a failing device read rejects with EIO and leaves nothing uptodate', async () => {
    setup();
    io.failReads = true;
    await expect(filemapRead(as.file, 0, new Uint8Array(100))).rejects.toMatchObject({ code: 'EIO' });
    io.failReads = false;
    const buf = new Uint8Array(100);
    expect(await filemapRead(as.file, 0, buf)).toBe(100);
    expect(buf[0]).toBe(io.disk[0]);
  });
});
