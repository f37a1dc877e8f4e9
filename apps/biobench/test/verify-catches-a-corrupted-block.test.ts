import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { biobench, expectNoStackTrace, scratch } from './helpers.ts';
import { execFileSync } from 'node:child_process';

const s = scratch();
const img = join(s.dir, 'verify.img');
const job = ['--target', img, '--size', '1m', '--bs', '4k', '--iodepth', '8', '--verify', 'crc32c', '--seed', '7'];
beforeAll(() => execFileSync('truncate', ['-s', '2M', img]));
afterAll(() => s.cleanup());

function patch(offset: number, bytes: Buffer): void {
  const fd = openSync(img, 'r+');
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

describe('--verify crc32c', () => {
  it('writes every block with a header, reads each back and finds them all good', async () => {
    const r = await biobench(['run', ...job, '--rw', 'randwrite', '--runtime', '0', '--allow-destructive'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verify\s+: crc32c, 256 blocks written, 256 checked, 0 bad/);
    const again = await biobench(['run', ...job, '--verify-only'], { tmp: s.dir });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 blocks written, 256 checked, 0 bad/);
  });

  it('flags a block whose data changed on disk (crc32c mismatch), exit 1', async () => {
    patch(30 * 4096 + 1000, Buffer.from('corrupt'));
    const r = await biobench(['run', ...job, '--verify-only'], { tmp: s.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/verify failed: 1 bad block\(s\) of 256 checked/);
    expect(r.stderr).toMatch(/offset 122880: crc32c mismatch/);
    expectNoStackTrace(r.stderr);
  });

  it('flags a block written to the wrong place (header names another offset)', async () => {
    const fd = openSync(img, 'r+');
    const b = Buffer.alloc(4096);
    readSync(fd, b, 0, 4096, 0);
    closeSync(fd);
    patch(5 * 4096, b); // block 0's bytes at block 5
    const r = await biobench(['run', ...job, '--verify-only', '--output-format', 'json'], { tmp: s.dir });
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout).jobs[0];
    expect(j.error).toBe(84); // EILSEQ, as fio reports a verify failure
    expect(j.biobench.verify.first_mismatches).toContainEqual({ offset: 20480, reason: expect.stringMatching(/names offset 0: the block landed at the wrong place/) });
  });
});
