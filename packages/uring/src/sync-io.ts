/**
 * One-shot synchronous IO over a ring, for tools and tests: submit a single SQE, wait for its
 * CQE, and turn a negative `res` into a BiopathError naming the call. Not for hot paths.
 */
import { errFromErrno, check } from '@biopath/native';
import type { IoUring } from './ring.ts';
import { prepRead, prepWrite, sqeSetData } from './prep.ts';

const SYNC_TAG = 0x5_1c_0000;

const HINTS: Record<number, string> = {
  22: 'misaligned O_DIRECT buffer, offset or length (or an argument the kernel rejects)',
  14: 'buffer is not inside a live arena region',
  28: 'offset lies past the end of the device',
  9: 'fd is not open',
};

function waitOne(r: IoUring, where: string): number {
  r.submitAndWait(1);
  const n = r.cqReady();
  for (let i = 0; i < n; i++) {
    if (r.cqeUserData(i) === SYNC_TAG) {
      const res = r.cqeRes(i);
      check(i === 0 && n === 1, 'EBUSY', `${where}: ring has other completions pending; drain it first`);
      r.cqAdvance(1);
      if (res < 0) throw errFromErrno(res, HINTS[-res] ? `${where}: ${HINTS[-res]}` : where);
      return res;
    }
  }
  throw errFromErrno(-5, `${where}: completion missing`);
}

/**
 * pread through the ring: read up to `len` bytes at `offset` into arena `iova`. Returns bytes read
 * (short at end of device, 0 past it). Throws the kernel's errno as BiopathError: EINVAL for
 * misaligned O_DIRECT buffer/offset/length, EFAULT for memory outside the arena, EBADF for a
 * closed fd.
 */
export function preadSync(r: IoUring, fd: number, iova: number, len: number, offset: number): number {
  check(r.cqReady() === 0, 'EBUSY', 'preadSync(ring): ring has unconsumed completions');
  const s = r.getSqeOrThrow();
  prepRead(r, s, fd, iova, len, offset);
  sqeSetData(r, s, SYNC_TAG);
  return waitOne(r, `preadSync(fd=${fd}, iova=${iova}, len=${len}, offset=${offset})`);
}

/** pwrite through the ring; see {@link preadSync} for the errors (plus ENOSPC past the end of a device). */
export function pwriteSync(r: IoUring, fd: number, iova: number, len: number, offset: number): number {
  check(r.cqReady() === 0, 'EBUSY', 'pwriteSync(ring): ring has unconsumed completions');
  const s = r.getSqeOrThrow();
  prepWrite(r, s, fd, iova, len, offset);
  sqeSetData(r, s, SYNC_TAG);
  return waitOne(r, `pwriteSync(fd=${fd}, iova=${iova}, len=${len}, offset=${offset})`);
}
