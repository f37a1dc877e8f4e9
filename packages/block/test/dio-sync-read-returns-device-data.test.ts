// Synchronous O_DIRECT through the whole stack (iov_iter → extraction → bio → request → driver)
// moves the device's bytes into the process's buffer, pins come back to baseline, and read pages
// are dirtied; under every profile.
import { describe, expect, it } from 'vitest';
import { Kiocb, blkdevDirectIO } from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import { PROFILES, pageDirty } from '@biopath/mm';
import { pattern, rig, useRigGate } from './helpers.ts';

useRigGate();

describe.each(PROFILES.map((p) => [p]))('profile %s', (profile) => {
  it('a write then a read of 3 pages round-trips through the device', () => {
    const r = rig(profile, { memoryBacked: true });
    const buf = r.mm.mmap(3 * 4096);
    const data = pattern(3 * 4096, 1);
    r.mm.write(buf, data);
    const iocb = new Kiocb();
    iocb.ki_bdev = r.bdev;
    iocb.ki_pos = 8192;
    const it1 = iovIterUbuf(createIovIter(), ITER_SOURCE, r.mm, buf, data.length);
    expect(blkdevDirectIO(iocb, it1)).toBe(data.length);
    const dst = r.mm.mmap(3 * 4096);
    r.mm.write(dst, new Uint8Array(3 * 4096));
    const it2 = iovIterUbuf(createIovIter(), ITER_DEST, r.mm, dst, data.length);
    expect(blkdevDirectIO(iocb, it2)).toBe(data.length);
    expect(Buffer.from(r.mm.read(dst, data.length)).equals(Buffer.from(data))).toBe(true);
    expect(pageDirty(r.mem, r.mm.followPage(dst))).toBe(true);
  });
});
