/** nbdinfo (libnbd) against the CLI: size, flags and the stack's block sizes; a read-only export says so. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, removeImage, probe } from '@biopath/testing';
import { spawnServer, stopCleanly, run, uri } from './helpers.ts';

const have = probe.command('nbdinfo');

describe.skipIf(!have.ok)('nbdinfo', () => {
  it('sees the size, flags and block sizes of an image export', async () => {
    const image = createImage(16 << 20, { fill: 'zero' });
    const socket = join(image, '..', 'nbd.sock');
    const child = await spawnServer(['--unix', socket, '--export', `disk=${image}`]);
    try {
      const info = JSON.parse(await run('nbdinfo', ['--json', uri(socket)])) as { exports: Record<string, unknown>[] };
      const e = info.exports[0]!;
      expect(e['export-size']).toBe(16 << 20);
      expect(e['is_read_only']).toBe(false);
      expect(e['can_flush']).toBe(true);
      expect(e['can_fua']).toBe(true);
      expect(e['can_zero']).toBe(true);
      expect(e['can_multi_conn']).toBe(true);
      expect(e['block_size_minimum']).toBeGreaterThanOrEqual(512);
      expect(e['block_size_preferred']).toBeGreaterThanOrEqual(4096);
      expect(e['block_size_maximum']).toBe(1 << 25);
      const list = await run('nbdinfo', ['--list', `nbd+unix://?socket=${socket}`]);
      expect(list).toContain('export="disk"');
    } finally {
      await stopCleanly(child);
      removeImage(image);
    }
  });

  it('a read-only null export is read-only', async () => {
    const image = createImage(4096, { fill: 'zero' }); // a directory for the socket
    const socket = join(image, '..', 'nbd.sock');
    const child = await spawnServer(['--unix', socket, '--driver', 'null', '--readonly', '--export', 'mem=64M']);
    try {
      const info = JSON.parse(await run('nbdinfo', ['--json', uri(socket, 'mem')])) as { exports: Record<string, unknown>[] };
      expect(info.exports[0]!['export-size']).toBe(64 << 20);
      expect(info.exports[0]!['is_read_only']).toBe(true);
      expect(info.exports[0]!['can_trim']).toBe(false);
    } finally {
      await stopCleanly(child);
      removeImage(image);
    }
  });
});
