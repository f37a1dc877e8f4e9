/**
 * `--output` into a directory that does not exist is refused before any IO: exit 2, a message
 * naming the option and the directory with ENOENT — not a failure after the whole run. Proof
 * that nothing ran: a destructive write job on an image file leaves its bytes unchanged.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, inProcess, leftoverImages, scratch, sha256 } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

describe('--output into a missing directory', () => {
  it.each(['run', 'ab'])('biobench %s: exit 2 naming --output (ENOENT), and the target is untouched', async (cmd) => {
    const img = join(s.dir, `${cmd}.img`);
    writeFileSync(img, Buffer.alloc(4 << 20, 0xa5));
    const before = sha256(img);
    const missing = join(s.dir, 'no-such-dir', 'r.json');
    const job = ['--target', img, '--rw', 'write', '--allow-destructive', '--runtime', '0', '--ramp-time', '0', '--output', missing];
    const args = cmd === 'ab' ? ['ab', 'iodepth=1', 'iodepth=2', '--pairs', '5', '--resamples', '100', ...job] : ['run', ...job];
    const r = await inProcess(args, s.dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^biobench: --output .*no-such-dir\/r\.json: the directory .*no-such-dir does not exist \(ENOENT\)/m);
    expectNoStackTrace(r.stderr);
    expect(sha256(img)).toBe(before);
    expect(leftoverImages(s.dir)).toEqual([]);
  });
});
