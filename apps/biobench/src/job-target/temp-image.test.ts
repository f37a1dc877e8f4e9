import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempImage, liveTempImages, removeTempImage } from './temp-image.ts';

const dir = mkdtempSync(join(tmpdir(), 'biobench-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('temporary images', () => {
  it('are created filled, and removed with their directory', () => {
    process.env.BIOBENCH_TMPDIR = dir;
    try {
      const img = createTempImage(1 << 20);
      expect(existsSync(img)).toBe(true);
      expect(liveTempImages()).toHaveLength(1);
      removeTempImage(img);
      expect(existsSync(join(img, '..'))).toBe(false);
      expect(liveTempImages()).toEqual([]);
    } finally {
      delete process.env.BIOBENCH_TMPDIR;
    }
  });

  it('never remove anything this process did not create (".", a user file, a pseudo path, a look-alike image)', () => {
    // Everything here lives in a throwaway directory that is also the cwd while the paths are
    // removed, so a broken guard deletes canaries, never the real working directory.
    const work = mkdtempSync(join(dir, 'canaries-'));
    const canaries = [join(work, 'keep'), join(work, 'disk.img'), join(work, 'user-data', 'disk.img'), join(work, 'biobench-lookalike', 'disk.img')];
    for (const c of canaries) {
      mkdirSync(dirname(c), { recursive: true });
      writeFileSync(c, 'x');
    }
    const cwd = process.cwd();
    process.chdir(work);
    try {
      const paths = ['(null driver)', '.', './disk.img', 'disk.img', join(work, 'keep'), ...canaries.slice(1)];
      for (const p of paths) removeTempImage(p);
    } finally {
      process.chdir(cwd);
    }
    for (const c of canaries) expect(existsSync(c), `${c} was removed`).toBe(true);
    expect(liveTempImages()).toEqual([]);
  });
});
