/**
 * Every kind of bad input: a clear one-line reason, exit 2, no stack trace, and nothing written —
 * the named file keeps its bytes and no temporary image is left behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachLoop, detachLoop, probe } from '@biopath/testing';
import { biobench, expectNoStackTrace, expectUsageFailure, inProcess, leftoverImages, scratch, sha256 } from './helpers.ts';

const s = scratch();
const img = join(s.dir, 'data.img');
const immutable = join(s.dir, 'immutable.img');
let imgHash = '';
let chattrOk = false;

beforeAll(() => {
  writeFileSync(img, Buffer.alloc(1 << 20, 0xa5));
  imgHash = sha256(img);
  writeFileSync(immutable, Buffer.alloc(1 << 20, 0x5a));
  chattrOk = spawnSync('chattr', ['+i', immutable]).status === 0;
  mkdirSync(join(s.dir, 'a-directory'));
});
afterAll(() => {
  if (chattrOk) spawnSync('chattr', ['-i', immutable]);
  s.cleanup();
});

const cases: [string, string[], RegExp][] = [
  ['unknown option', ['run', '--no-such-option'], /unknown option '--no-such-option'/],
  ['unknown command', ['runn'], /unknown command 'runn'[\s\S]*Did you mean run\?/],
  ['bad size suffix', ['run', '--size', '12q'], /'12q' is invalid\. bad size '12q': expected a number with an optional k\/m\/g\/t\/p suffix/],
  ['bad block size range', ['run', '--bs', '64k-4k'], /the maximum 4k is below the minimum 64k/],
  ['bad enum value', ['run', '--rw', 'sideways'], /bad value 'sideways': expected one of read, write, randread/],
  ['iodepth out of range', ['run', '--iodepth', '0'], /expected a whole number from 1 to 4096/],
  ['bad duration', ['run', '--runtime', 'soon'], /bad duration 'soon'/],
  ['missing target', ['run', '--target', '/nonexistent/disk.img'], /target \/nonexistent\/disk\.img does not exist/],
  ['directory target', ['run', '--target', join(s.dir, 'a-directory')], /is a directory; name a block device or an image file/],
  ['size past the end of the target', ['run', '--target', img, '--size', '2m'], /--size 2m from --offset 0 runs past the end of .*data\.img \(1m/],
  ['unaligned direct IO', ['run', '--target', img, '--bs', '1000'], /--bs 1000 is not a multiple of .* logical block size 512/],
  ['write without --allow-destructive', ['run', '--target', img, '--rw', 'randwrite', '--runtime', '0.1', '--ramp-time', '0'], /refusing to write to .*data\.img \(an existing file\): this job writes \(rw=randwrite\)[\s\S]*--allow-destructive/],
  ['verified read lays out data: also a write', ['run', '--target', img, '--verify', 'crc32c'], /refusing to write to .*data\.img[\s\S]*--verify lays the region out/],
  ['verify-only without verify', ['run', '--target', img, '--verify-only'], /--verify-only needs --verify crc32c/],
  ['ab with a list', ['ab', 'iodepth=1,2', 'iodepth=4'], /configuration A \('iodepth=1,2'\) makes 2 jobs/],
  ['ab with an unknown key', ['ab', 'colour=red', 'iodepth=4'], /unknown option 'colour' in the configuration 'colour=red'/],
  ['report of a missing file', ['report', join(s.dir, 'nope.json')], /cannot read results file .*nope\.json/],
  ['report of a non-JSON file', ['report', img], /data\.img is not fio or biobench JSON/],
  ['compare without fio', ['compare', '--fio', '/nonexistent/fio'], /fio is not available \(tried '\/nonexistent\/fio'/],
];

describe('bad input', () => {
  it.each(cases)('%s: exit 2 and a clear message', async (_name, args, message) => {
    const r = await inProcess(args, s.dir);
    expectUsageFailure(r, message);
    expect(sha256(img)).toBe(imgHash);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it.each(cases.filter(([n]) => ['unknown option', 'bad size suffix', 'missing target', 'write without --allow-destructive'].includes(n)))(
    '%s, through the real launcher: exit 2, the same message, no stack trace', async (_name, args, message) => {
      const r = await biobench(args, { tmp: s.dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expectNoStackTrace(r.stderr);
      expect(r.stdout).toBe('');
      expect(sha256(img)).toBe(imgHash);
    });

  it('a target that is not writable: exit 2, nothing written', async (ctx) => {
    if (!chattrOk) return ctx.skip('chattr +i is not available on this filesystem');
    const before = sha256(immutable);
    const r = await biobench(['run', '--target', immutable, '--rw', 'write', '--allow-destructive', '--runtime', '0.1', '--ramp-time', '0'], { tmp: s.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot open .*immutable\.img for writing: permission denied \(EPERM\); the target is not writable/);
    expectNoStackTrace(r.stderr);
    expect(sha256(immutable)).toBe(before);
  });

  it('a write to a block device needs --allow-destructive; a mounted one is refused even with it', async (ctx) => {
    const p = probe.loop();
    if (!p.ok) return ctx.skip(p.reason);
    const back = join(s.dir, 'loop.img');
    writeFileSync(back, Buffer.alloc(8 << 20));
    const dev = attachLoop(back);
    const mnt = join(s.dir, 'mnt');
    let mounted = false;
    try {
      const r = await biobench(['run', '--target', dev, '--rw', 'write', '--runtime', '0.1', '--ramp-time', '0'], { tmp: s.dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`refusing to write to ${dev} \\(a block device\\)`));
      execFileSync('mkfs.ext4', ['-q', dev]);
      mkdirSync(mnt);
      execFileSync('mount', [dev, mnt]);
      mounted = true;
      const before = sha256(back);
      const m = await biobench(['run', '--target', dev, '--rw', 'write', '--runtime', '0.1', '--ramp-time', '0', '--allow-destructive'], { tmp: s.dir });
      expect(m.code).toBe(2);
      expect(m.stderr).toMatch(/it \(or a partition of it\) is mounted on .*mnt; --allow-destructive does not override this/);
      expect(sha256(back)).toBe(before);
      expectNoStackTrace(m.stderr);
    } finally {
      if (mounted) execFileSync('umount', [mnt]);
      detachLoop(dev);
    }
  });
});
