/**
 * Real clients move real data: nbdcopy writes a random image into the export and copies it back
 * byte-identical, and qemu-img compare finds the export equal to the local copy.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, removeImage, probe } from '@biopath/testing';
import { spawnServer, stopCleanly, run, uri } from './helpers.ts';

const SIZE = 24 << 20;
const nbdcopy = probe.command('nbdcopy');
const qemuImg = probe.command('qemu-img');

describe.skipIf(!nbdcopy.ok || !qemuImg.ok)('nbdcopy and qemu-img', () => {
  it('round-trips a random image byte-identical and qemu-img compare agrees', async () => {
    const image = createImage(SIZE, { fill: 'zero' });
    const dir = join(image, '..');
    const socket = join(dir, 'nbd.sock');
    const src = join(dir, 'src.raw');
    const back = join(dir, 'back.raw');
    const data = randomBytes(SIZE);
    writeFileSync(src, data);
    const child = await spawnServer(['--unix', socket, '--export', `disk=${image}`]);
    try {
      await run('nbdcopy', [src, uri(socket)]);
      await run('nbdcopy', [uri(socket), back]);
      expect(readFileSync(back).equals(data)).toBe(true);
      await run('qemu-img', ['compare', '-f', 'raw', '-F', 'raw', src, uri(socket)]);
    } finally {
      await stopCleanly(child);
    }
    try {
      expect(readFileSync(image).equals(data)).toBe(true); // flushed to the image at shutdown
    } finally {
      removeImage(image);
    }
  });
});
