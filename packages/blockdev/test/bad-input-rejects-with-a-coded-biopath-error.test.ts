// Bad input never reaches the device: unaligned direct IO, ranges past the end, writes to a
// read-only handle, calls on a closed handle and bad options each reject (or throw, for the
// synchronous open) a BiopathError whose code says what kind of mistake it was and whose message
// names the argument.
import { describe, expect, it } from 'vitest';
import { openBlockDevice } from '@biopath/blockdev';
import { pattern, withTarget, canUse } from './helpers.ts';

const SIZE = 1 << 20;

function nullDev(opts = {}) {
  return openBlockDevice(SIZE, { driver: 'null', ...opts });
}

describe('direct IO alignment', () => {
  it('an offset or length that is not a multiple of the logical block size is EINVAL', async () => {
    const h = nullDev();
    await expect(h.read(100, 512)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('read(offset)') });
    await expect(h.write(512, new Uint8Array(100))).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('write(data)') });
    await expect(h.read(0, 0)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(h.read(-512, 512)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(h.read(1.5, 512)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(h.stats().reads).toBe(0);
    await h.close();
  });

  it('an allocBuffer view at an address the queue cannot DMA to is EINVAL from blkdevDirectIO, with nothing pinned', async () => {
    const h = nullDev();
    const b = h.allocBuffer(8192);
    await expect(h.read(0, b.subarray(3, 3 + 512))).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('dma_alignment') });
    const st = h.stats();
    expect(st.pinsAcquired).toBe(st.pinsReleased);
    await h.close();
  });

  it('the same unaligned range is fine through the page cache', async () => {
    const h = nullDev({ cacheSize: 1 << 16 });
    await h.write(100, pattern(3, 1000));
    expect(Array.from(await h.read(100, 1000))).toEqual(Array.from(pattern(3, 1000)));
    await h.close();
  });
});

describe('past the end', () => {
  it('a write crossing the end is ENOSPC, a read, discard or write-zeroes EINVAL', async () => {
    const h = nullDev();
    await expect(h.write(SIZE - 512, new Uint8Array(1024))).rejects.toMatchObject({ code: 'ENOSPC' });
    await expect(h.read(SIZE, 512)).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('past the end') });
    await expect(h.discard(SIZE - 512, 1024)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(h.writeZeroes(SIZE, 512)).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(h.readv([{ offset: 0, length: 512 }, { offset: SIZE, length: 512 }])).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('readv') });
    expect(h.stats().reads).toBe(0);
    await h.close();
  });
});

describe('read-only handles', () => {
  it.skipIf(!canUse('image'))('write, writev, discard and write-zeroes are EROFS; reads work', async () => {
    await withTarget('image', SIZE, async (path) => {
      const h = openBlockDevice(path, { readOnly: true });
      await expect(h.write(0, new Uint8Array(512))).rejects.toMatchObject({ code: 'EROFS' });
      await expect(h.writev([{ offset: 0, data: new Uint8Array(512) }])).rejects.toMatchObject({ code: 'EROFS' });
      await expect(h.discard(0, 512)).rejects.toMatchObject({ code: 'EROFS' });
      await expect(h.writeZeroes(0, 512)).rejects.toMatchObject({ code: 'EROFS' });
      expect((await h.read(0, 512)).length).toBe(512);
      await h.close();
    });
  });
});

describe('closed handles', () => {
  it('every call after close is EBADF, and close is idempotent', async () => {
    const h = nullDev();
    await h.close();
    await h.close();
    expect(h.closed).toBe(true);
    await expect(h.read(0, 512)).rejects.toMatchObject({ code: 'EBADF' });
    await expect(h.write(0, new Uint8Array(512))).rejects.toMatchObject({ code: 'EBADF' });
    await expect(h.flush()).rejects.toMatchObject({ code: 'EBADF' });
    await expect(h.discard(0, 512)).rejects.toMatchObject({ code: 'EBADF' });
    expect(() => h.allocBuffer(4096)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});

describe('options', () => {
  it('bad options are EINVAL naming the option, and nothing is left open', () => {
    expect(() => openBlockDevice(SIZE, { driver: 'null', strategy: 'steal' as never })).toThrow(/options\.strategy/);
    expect(() => openBlockDevice(SIZE, { driver: 'null', strategy: 'get', profile: 'merged' })).toThrow(/options\.profile/);
    expect(() => openBlockDevice(SIZE, { driver: 'null', strategy: 'list', release: 'unpin' })).toThrow(/options\.release/);
    expect(() => openBlockDevice(SIZE, { driver: 'null', direct: false })).toThrow(/options\.cacheSize/);
    expect(() => openBlockDevice(SIZE, { driver: 'null', queueDepth: 0 })).toThrow(/options\.queueDepth/);
    expect(() => openBlockDevice('/nonexistent/disk.img')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => openBlockDevice(SIZE, { driver: 'bdev' })).toThrow(/options\.driver/);
    expect(() => openBlockDevice(SIZE, { driver: 'faulty' })).toThrow(/options\.faults/);
  });
});
