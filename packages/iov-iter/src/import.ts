/**
 * Importing user I/O vectors, with the kernel's validation. Like the kernel's `access_ok()`, the
 * segment check is about the address limit only: a segment that is merely unmapped imports fine and
 * faults at extraction or copy time. The iovec array itself is read from user memory, so an unmapped
 * array gives -EFAULT here. Hot-path style: results are byte counts or negative errnos.
 *
 * @kernel lib/iov_iter.c import_iovec(), __import_iovec(), iovec_from_user(), import_ubuf()
 */
import { BiopathError, errno } from './internal/errors.ts';
import type { MmStruct } from '@biopath/mm';
import { IOVEC_SIZE, MAX_RW_COUNT, READ, UIO_MAXIOV, WRITE } from './constants.ts';
import { iovIterInit, iovIterUbuf } from './init.ts';
import type { IovIter, Iovec } from './iov-iter.ts';

/** Read `nr` iovecs from user address `uvec`; negative length → -EINVAL, unreadable → -EFAULT. */
function iovecFromUser(mm: MmStruct, uvec: number, nr: number, out: Iovec[]): number {
  let raw: Uint8Array;
  if (!mm.accessOk(uvec, nr * IOVEC_SIZE)) return -errno.EFAULT;
  try {
    raw = mm.read(uvec, nr * IOVEC_SIZE);
  } catch (e) {
    if (e instanceof BiopathError && e.code === 'EFAULT') return -errno.EFAULT;
    throw e;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  for (let k = 0; k < nr; k++) {
    const len = dv.getBigInt64(k * IOVEC_SIZE + 8, true);
    if (len < 0n) return -errno.EINVAL;
    out.push({ iov_base: Number(dv.getBigUint64(k * IOVEC_SIZE, true)), iov_len: Number(len) });
  }
  return 0;
}

/** Copy caller-supplied iovecs (as if read from user memory); negative length → -EINVAL. */
function iovecFromArray(uvec: readonly Iovec[], nr: number, out: Iovec[]): number {
  if (nr > uvec.length) throw new BiopathError('EINVAL', `importIovec(nr_segs): ${nr} > ${uvec.length} iovecs given`);
  for (let k = 0; k < nr; k++) {
    const { iov_base: base, iov_len: len } = uvec[k]!;
    if (!Number.isInteger(base) || base < 0 || !Number.isInteger(len)) {
      throw new BiopathError('EINVAL', `importIovec(uvec): iovec ${k} is not {iov_base, iov_len} integers`);
    }
    if (len < 0) return -errno.EINVAL;
    out.push({ iov_base: base, iov_len: len });
  }
  return 0;
}

function checkType(fn: string, type: number): void {
  if (type !== READ && type !== WRITE) throw new BiopathError('EINVAL', `${fn}(type): ${type} is neither READ nor WRITE`);
}

/**
 * Import a user buffer as ITER_UBUF: `len` capped at MAX_RW_COUNT; beyond the address limit → -EFAULT.
 * Returns 0 or a negative errno. @kernel lib/iov_iter.c import_ubuf()
 */
export function importUbuf(rw: number, mm: MmStruct, buf: number, len: number, i: IovIter): number {
  checkType('importUbuf', rw);
  if (!Number.isSafeInteger(len) || len < 0) throw new BiopathError('EINVAL', `importUbuf(len): ${len} is not a size`);
  if (len > MAX_RW_COUNT) len = MAX_RW_COUNT;
  if (!Number.isSafeInteger(buf) || buf < 0 || !mm.accessOk(buf, len)) return -errno.EFAULT;
  iovIterUbuf(i, rw, mm, buf, len);
  return 0;
}

/**
 * Import `nr_segs` iovecs, from user address `uvec` in `mm` (16 bytes each: u64 base, s64 len) or from
 * an array, into `i`. Returns the total length or a negative errno: more than UIO_MAXIOV segments or
 * a negative length → -EINVAL; an unreadable array or a segment beyond the address limit → -EFAULT.
 * The running total is capped at MAX_RW_COUNT by shortening the segment that crosses it. Zero
 * segments give an empty ITER_IOVEC. One segment becomes ITER_UBUF in profiles `merged` and
 * `current` (6.4+), ITER_IOVEC in `legacy` and `v8`. @kernel lib/iov_iter.c import_iovec()
 */
export function importIovec(
  type: number, mm: MmStruct, uvec: number | readonly Iovec[], nrSegs: number, i: IovIter,
): number {
  checkType('importIovec', type);
  if (!Number.isSafeInteger(nrSegs) || nrSegs < 0) throw new BiopathError('EINVAL', `importIovec(nr_segs): ${nrSegs}`);
  if (nrSegs > UIO_MAXIOV) return -errno.EINVAL;
  const iov: Iovec[] = [];
  const ret = typeof uvec === 'number' ? iovecFromUser(mm, uvec, nrSegs, iov) : iovecFromArray(uvec, nrSegs, iov);
  if (ret) return ret;
  const p = mm.mem.profile;
  if (nrSegs === 1 && (p === 'merged' || p === 'current')) {
    const r = importUbuf(type, mm, iov[0]!.iov_base, Math.min(iov[0]!.iov_len, MAX_RW_COUNT), i);
    return r ? r : i.count;
  }
  let total = 0;
  for (const seg of iov) {
    if (!Number.isSafeInteger(seg.iov_base) || !mm.accessOk(seg.iov_base, seg.iov_len)) return -errno.EFAULT;
    if (seg.iov_len > MAX_RW_COUNT - total) seg.iov_len = MAX_RW_COUNT - total;
    total += seg.iov_len;
  }
  iovIterInit(i, type, mm, iov, nrSegs, total);
  return total;
}
