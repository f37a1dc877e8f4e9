/**
 * The temporary image is checked against the free space of its directory (statfs) before it is
 * created: a 4 MiB job on a 1 MiB tmpfs exits 2 with ENOSPC, naming the size and the directory,
 * and leaves nothing there. (Needs root to mount the small tmpfs; skips with the reason otherwise.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probe } from '@biopath/testing';
import { expectNoStackTrace, inProcess, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

describe('free space for the temporary image', () => {
  it('a job larger than the free space is refused before the image is created', async (ctx) => {
    const p = probe.root();
    if (!p.ok) return ctx.skip(`mounting a small tmpfs needs root (${p.reason})`);
    const small = join(s.dir, 'small');
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', small]);
    try {
      const r = await inProcess(['run', '--size', '4m', '--runtime', '0.1', '--ramp-time', '0'], small);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`temporary image needs 4m \\(4194304 bytes.*but ${small} has only .* free \\(ENOSPC\\)`));
      expectNoStackTrace(r.stderr);
      expect(readdirSync(small)).toEqual([]);
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
