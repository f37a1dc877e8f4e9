/**
 * rw=trim/randtrim/trimwrite on the uring engine discard as fio's io_uring engine does for files
 * and block devices: IORING_OP_FALLOCATE with FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE. Proven on
 * real storage: a file's allocated blocks drop and the range reads back as zeroes (the bytes around
 * it untouched); on a loop device the range reads back as zeroes. The JSON's `trim` block counts
 * the trims, and next to fio's own run of the same job on the same loop device it has fio's fields
 * and the same IO count. The stack engine, which has no discard path, refuses by name.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probe, withLoopDevice } from '@biopath/testing';
import { inProcess, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());
const fio = probe.command('fio');
const loop = probe.loop();

type J = Record<string, any>;

async function job(args: string[]): Promise<J> {
  const r = await inProcess(['run', '--engine', 'uring', '--time-based', '0', '--runtime', '0', '--ramp-time', '0', ...args, '--output-format', 'json', '--allow-destructive'], s.dir);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).jobs[0];
}

function readRange(path: string, off: number, len: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(len);
    expect(readSync(fd, b, 0, len, off)).toBe(len);
    return b;
  } finally {
    closeSync(fd);
  }
}

const MiB = 1 << 20;

describe('trim on a file', () => {
  it.each(['trim', 'randtrim'] as const)('rw=%s punches holes: blocks drop, the range reads zeroes, the rest is kept', async (rw) => {
    const img = join(s.dir, `${rw}.img`);
    writeFileSync(img, Buffer.alloc(4 * MiB, 0xab));
    const before = statSync(img).blocks;
    const j = await job(['--filename', img, '--rw', rw, '--bs', '64k', '--offset', '1m', '--size', '1m', '--iodepth', '4']);
    expect(j.trim.total_ios).toBe(16);
    expect(j.trim.io_bytes).toBe(MiB);
    expect(j.read.total_ios + j.write.total_ios).toBe(0);
    expect(j.error).toBe(0);
    expect(statSync(img).size).toBe(4 * MiB); // KEEP_SIZE
    expect(before - statSync(img).blocks).toBe(MiB / 512);
    expect(readRange(img, MiB, MiB).every((b) => b === 0)).toBe(true);
    expect(readRange(img, 0, MiB).every((b) => b === 0xab)).toBe(true);
    expect(readRange(img, 2 * MiB, 2 * MiB).every((b) => b === 0xab)).toBe(true);
  });

  it('rw=trimwrite trims each block, then writes it: as many writes as trims, the range written again', async () => {
    const img = join(s.dir, 'tw.img');
    writeFileSync(img, Buffer.alloc(2 * MiB, 0xab));
    const j = await job(['--filename', img, '--rw', 'trimwrite', '--bs', '4k', '--size', '1m', '--iodepth', '1', '--buffer-pattern', '0x5c']);
    expect(j.trim.total_ios).toBe(256);
    expect(j.write.total_ios).toBe(256);
    expect(readRange(img, 0, MiB).every((b) => b === 0x5c)).toBe(true);
    expect(readRange(img, MiB, MiB).every((b) => b === 0xab)).toBe(true);
  });
});

describe('trim refusals', () => {
  it.each([
    [['--engine', 'stack', '--driver', 'null', '--rw', 'randtrim'], /--rw randtrim is not supported on the stack engine: .*no discard/],
    [['--engine', 'uring', '--rw', 'trim', '--verify', 'md5'], /--verify with --rw trim: a trimmed block reads back as zeroes/],
  ])('%j is refused by name', async (args, msg) => {
    const r = await inProcess(['run', ...args], s.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });
});

describe.skipIf(!loop.ok)('trim on a loop device', () => {
  it.skipIf(!fio.ok)('reads back zeroes, and the trim block has fio\'s fields and fio\'s IO count for the same job', async () => {
    await withLoopDevice(4 * MiB, async (dev) => {
      const fd = openSync(dev, 'r+');
      try {
        const data = Buffer.alloc(4 * MiB, 0xab);
        expect(writeSync(fd, data, 0, data.length, 0)).toBe(data.length);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const ours = await job(['--filename', dev, '--rw', 'randtrim', '--bs', '64k', '--size', '2m', '--iodepth', '8']);
      expect(ours.trim.total_ios).toBe(32);
      expect(readRange(dev, 0, 2 * MiB).every((b) => b === 0)).toBe(true);
      expect(readRange(dev, 2 * MiB, 2 * MiB).every((b) => b === 0xab)).toBe(true);
      const f = spawnSync('fio', ['--name=t', `--filename=${dev}`, '--ioengine=io_uring', '--direct=1', '--rw=randtrim', '--bs=64k', '--size=2m', '--iodepth=8', '--output-format=json'], { encoding: 'utf8' });
      expect(f.status, f.stderr).toBe(0);
      const theirs = JSON.parse(f.stdout.slice(f.stdout.indexOf('{'))).jobs[0] as J;
      expect(theirs.error).toBe(0);
      expect(Object.keys(ours.trim).sort()).toEqual(Object.keys(theirs.trim).sort());
      for (const k of ['slat_ns', 'clat_ns', 'lat_ns']) expect(Object.keys(ours.trim[k]).filter((x) => x !== 'percentile').sort(), k).toEqual(Object.keys(theirs.trim[k]).filter((x: string) => x !== 'percentile').sort());
      expect(ours.trim.total_ios).toBe(theirs.trim.total_ios);
      expect(ours.trim.io_bytes).toBe(theirs.trim.io_bytes);
    });
  });
});
