/**
 * Buffered jobs (`--buffered` / `--direct 0`) on the stack engine go through biopath's own page
 * cache (@biopath/page-cache): reads hit once the region is cached, writes are written back by
 * fsync and verify after the cache is dropped, readahead and capacity are options, every folio
 * the cache took is given back, and a cache too small for the job is refused up front.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { stackAvailability } from '../src/engine/registry.ts';
import { biobench, expectNoStackTrace, inProcess, leftoverImages, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());
const avail = await stackAvailability();
const PAGES_PER_MIB = 256;

async function job(args: string[]): Promise<any> {
  const r = await inProcess(['run', '--buffered', '--engine', 'stack', '--ramp-time', '0', '--output-format', 'json', ...args], s.dir);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).jobs[0];
}

describe.skipIf(!avail.ok)(`buffered stack engine${avail.ok ? '' : ` (skipped: ${avail.reason})`}`, () => {
  it('randread: fio fields, non-zero IOPS, balanced pages, and a cached region answers from the cache', async () => {
    const r = await biobench(['run', '--buffered', '--engine', 'stack', '--size', '1m', '--runtime', '0.3', '--ramp-time', '0', '--iodepth', '8', '--output-format', 'json'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout).jobs[0];
    expect(j['job options']).toMatchObject({ ioengine: 'biobench-stack', iodepth: '8', direct: '0' });
    expect(j.read.iops).toBeGreaterThan(0);
    expect(j.read.clat_ns.N).toBe(j.read.total_ios);
    expect(j.read.clat_ns.percentile['99.000000']).toBeGreaterThan(0);
    const b = j.biobench;
    expect([b.engine, b.strategy, b.release]).toEqual(['stack', 'cache', 'none']);
    expect(b.pages).toMatchObject({ applicable: true, pins_acquired: 0, pins_released: 0, balanced: true });
    expect(b.pages.refs_taken).toBeGreaterThan(0); // one per folio the cache added, all given back
    const c = b.cache;
    expect(c.capacity_bytes).toBe(64 << 20);
    // the 1 MiB region fits: each page is read from the device at most once, every later pass hits
    expect(c.pages_read).toBeLessThanOrEqual(PAGES_PER_MIB);
    expect(c.misses).toBeLessThanOrEqual(PAGES_PER_MIB);
    expect(c.hits).toBeGreaterThan(10 * c.misses);
    expect(c.hits + c.misses).toBeGreaterThanOrEqual(j.read.total_ios); // whole job: also IOs drained after the window
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it('write + verify: written buffered, fsynced, cache dropped, read back from the device and checked', async () => {
    const j = await job(['--size', '2m', '--runtime', '0', '--rw', 'randwrite', '--bs', '4k-16k', '--iodepth', '8', '--verify', 'crc32c', '--end-fsync', '1']);
    expect(j.error).toBe(0);
    expect(j.write.iops).toBeGreaterThan(0);
    const b = j.biobench;
    expect(b.verify.mismatches).toBe(0);
    expect(b.verify.units_verified).toBeGreaterThan(0);
    expect(b.pages.balanced).toBe(true);
    const c = b.cache;
    expect(c.writeback_pages).toBeGreaterThan(0);
    expect(c.flushes).toBeGreaterThanOrEqual(1);
    expect(c.fsyncs).toBeGreaterThanOrEqual(1);
    expect(c.end_fsync_ms).toBeGreaterThan(0);
    expect(c.dropped_pages).toBeGreaterThan(0);
    expect(c.pages_read).toBeGreaterThanOrEqual(b.verify.units_verified); // the read-back came from the device
  });

  it('a verified read job lays the region out, drops the cache, and reads it back through readahead', async () => {
    const j = await job(['--size', '1m', '--runtime', '0', '--rw', 'read', '--bs', '16k', '--iodepth', '4', '--verify', 'crc32c']);
    expect(j.biobench.verify).toMatchObject({ mismatches: 0, units_verified: 64 });
    expect(j.biobench.cache.readahead_pages).toBeGreaterThan(0);
    expect(j.biobench.cache.readahead_async).toBeGreaterThan(0);
  });

  it('--readahead 0 reads only what is asked', async () => {
    const j = await job(['--size', '1m', '--runtime', '0', '--rw', 'read', '--iodepth', '4', '--readahead', '0']);
    expect(j.biobench.cache).toMatchObject({ readahead_kb: 0, readahead_pages: 0, readahead_async: 0, pages_read: PAGES_PER_MIB });
  });

  it('a cache smaller than the region reclaims, counts what it kept, and still gives every page back', async () => {
    const j = await job(['--size', '2m', '--runtime', '0.2', '--rw', 'randrw', '--iodepth', '1', '--readahead', '0', '--cache-size', '512k']);
    expect(j.error).toBe(0);
    const c = j.biobench.cache;
    expect(c.capacity_bytes).toBe(512 << 10);
    expect(c.reclaimed).toBeGreaterThan(0);
    expect(c.reclaim_scanned).toBeGreaterThanOrEqual(c.reclaimed);
    expect(Object.keys(c.reclaim_skipped)).toEqual(['pinned', 'locked', 'writeback', 'dirty', 'mapped', 'busy']);
    expect(c.alloc_failures).toBe(0);
    expect(j.biobench.pages.balanced).toBe(true);
  });

  it('the normal output has the page cache lines', async () => {
    const r = await inProcess(['run', '--buffered', '--size', '1m', '--runtime', '0.1', '--ramp-time', '0'], s.dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/engine=stack, strategy=cache/);
    expect(r.stdout).toMatch(/page cache {3}: 64MiB, readahead 128 KiB; hits=\d+, misses=\d+ \([\d.]+% hit\)/);
    expect(r.stdout).toMatch(/reclaim {4}: \d+ of \d+ scanned freed; kept pinned=0, locked=\d+/);
    expect(r.stdout).toMatch(/\(balanced\)/);
  });

  it.each([
    [['--cache-size', '64k'], /--cache-size 64k is too small for this job: iodepth 32 × --bs 4k in flight and a 128k readahead window need at least \d+k/],
    [['--cache-size', '5000'], /--cache-size 5000 \(5000 bytes\) is not a multiple of the 4 KiB page/],
    [['--cache-size', '8q'], /bad size '8q'/],
    [['--readahead', '6k'], /--readahead 6k \(6144 bytes\) is not a multiple of the 4 KiB page/],
  ])('refuses %j with a clear message and exit 2', async (args, message) => {
    const r = await inProcess(['run', '--buffered', '--engine', 'stack', '--size', '1m', ...args], s.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expectNoStackTrace(r.stderr);
    expect(r.stdout).toBe('');
    expect(leftoverImages(s.dir)).toEqual([]);
  });
});
