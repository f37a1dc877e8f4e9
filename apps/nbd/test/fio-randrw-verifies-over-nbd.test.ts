/** fio's nbd engine (libnbd): random read/write with crc32c verification through the server. */
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { createImage, removeImage, probe } from '@biopath/testing';
import { spawnServer, stopCleanly, run, uri } from './helpers.ts';

const fio = probe.command('fio');

describe.skipIf(!fio.ok)('fio --ioengine=nbd', () => {
  it('randrw with verify=crc32c passes', async () => {
    const image = createImage(32 << 20, { fill: 'zero' });
    const socket = join(image, '..', 'nbd.sock');
    const child = await spawnServer(['--unix', socket, '--export', `disk=${image}`]);
    try {
      await run('fio', [
        '--name=nbd-verify', '--ioengine=nbd', `--uri=${uri(socket)}`, '--rw=randrw', '--bs=4k', '--iodepth=16',
        '--size=16m', '--verify=crc32c', '--do_verify=1', '--verify_fatal=1', '--randseed=1', '--verify_state_save=0', '--output-format=terse',
      ], 300_000);
    } finally {
      await stopCleanly(child);
      removeImage(image);
    }
  });
});
