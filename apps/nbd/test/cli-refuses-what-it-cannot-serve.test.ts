/**
 * The CLI refuses a configuration it cannot serve before listening: exit 2 and a message naming the
 * argument, never a half-started server. `--driver nvme` is offered (blockdev's NVMe passthrough
 * driver); on a path that is not an NVMe namespace it is refused with EINVAL naming the path (the
 * NVMe namespace itself exists only in the QEMU guest of tools/qemu-nvme).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, removeImage } from '@biopath/testing';
import { spawnServer } from './helpers.ts';

let image: string;
beforeAll(() => {
  image = createImage(4 << 20);
});
afterAll(() => removeImage(image));

describe('biopath-nbd refuses before listening', () => {
  it('--driver nvme on an image file: EINVAL naming the path, exit 2, no socket left', async () => {
    const sock = join(image, '..', 'nvme.sock');
    await expect(spawnServer(['--unix', sock, '--export', `disk=${image}`, '--driver', 'nvme'])).rejects.toThrow(/exited 2 .*EINVAL.*is not \/dev\/ngXnY/s);
    expect(existsSync(sock)).toBe(false);
  });

  it('an unknown driver: exit 2 naming --driver and the choices', async () => {
    await expect(spawnServer(['--unix', join(image, '..', 'x.sock'), '--export', `disk=${image}`, '--driver', 'spdk'])).rejects.toThrow(/exited 2 .*--driver.*bdev, nvme, null, faulty/s);
  });
});
