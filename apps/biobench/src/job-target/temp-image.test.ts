import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  it('never remove anything this process did not create (".", a user file, a pseudo path)', () => {
    const mine = join(dir, 'user-data', 'disk.img');
    writeFileSync(join(dir, 'keep'), 'x');
    for (const p of ['(null driver)', '.', './disk.img', join(dir, 'keep'), mine]) removeTempImage(p);
    expect(existsSync(join(dir, 'keep'))).toBe(true);
    expect(existsSync(dir)).toBe(true);
  });
});
