/**
 * Multi-conn: the export advertises CAN_MULTI_CONN, so nbdcopy may split one copy over four
 * connections (`--connections=4`); the image written that way, and four nbdcopy processes reading
 * it back at once, are byte-identical to the source. The server counts the connections it served.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, removeImage, probe } from '@biopath/testing';
import { spawnServer, stopCleanly, run, uri } from './helpers.ts';

const SIZE = 32 << 20;
const nbdcopy = probe.command('nbdcopy');
const nbdinfo = probe.command('nbdinfo');

describe.skipIf(!nbdcopy.ok || !nbdinfo.ok)('nbdcopy with multi-conn', () => {
  it('writes over 4 connections and 4 concurrent readers get the same bytes', async () => {
    const image = createImage(SIZE, { fill: 'zero' });
    const dir = join(image, '..');
    const socket = join(dir, 'nbd.sock');
    const src = join(dir, 'src.raw');
    const data = randomBytes(SIZE);
    writeFileSync(src, data);
    try {
      const child = await spawnServer(['--unix', socket, '--export', `disk=${image}`]);
      try {
        const info = JSON.parse(await run('nbdinfo', ['--json', uri(socket)])) as { exports: { can_multi_conn: boolean }[] };
        expect(info.exports[0]!.can_multi_conn).toBe(true);
        await run('nbdcopy', ['--connections=4', '--threads=4', '--requests=16', '--request-size=262144', src, uri(socket)]);
        const backs = [0, 1, 2, 3].map((i) => join(dir, `back${i}.raw`));
        await Promise.all(backs.map((b) => run('nbdcopy', ['--connections=4', '--threads=4', uri(socket), b])));
        for (const b of backs) expect(readFileSync(b).equals(data), b).toBe(true);
      } finally {
        await stopCleanly(child);
      }
      const st = JSON.parse(/biopath-nbd: stopped (\{.*\})/.exec(child.stderr.join(''))![1]!) as { server: { connectionsOpened: number } };
      // nbdinfo: 1; the write: 4; four readers: 4 each.
      expect(st.server.connectionsOpened).toBeGreaterThanOrEqual(1 + 4 + 16);
      expect(readFileSync(image).equals(data)).toBe(true);
    } finally {
      removeImage(image);
    }
  }, 120_000);
});
