/**
 * `blk_status_t`: the block layer's completion status, and its mapping to and from errno.
 * @kernel include/linux/blk_types.h blk_status_t; block/blk-core.c blk_errors[]
 */
import { errno } from '@biopath/native';

export const BLK_STS_OK = 0;
export const BLK_STS_NOTSUPP = 1;
export const BLK_STS_TIMEOUT = 2;
export const BLK_STS_NOSPC = 3;
export const BLK_STS_TRANSPORT = 4;
export const BLK_STS_TARGET = 5;
export const BLK_STS_RESV_CONFLICT = 6;
export const BLK_STS_MEDIUM = 7;
export const BLK_STS_PROTECTION = 8;
export const BLK_STS_RESOURCE = 9;
export const BLK_STS_IOERR = 10;
export const BLK_STS_DM_REQUEUE = 11;
export const BLK_STS_AGAIN = 12;
export const BLK_STS_DEV_RESOURCE = 13;
export const BLK_STS_ZONE_OPEN_RESOURCE = 14;
export const BLK_STS_ZONE_ACTIVE_RESOURCE = 15;
export const BLK_STS_OFFLINE = 16;
export const BLK_STS_DURATION_LIMIT = 17;
export const BLK_STS_INVAL = 19;

/** blk_errors[]: status → negative errno (index = status; unlisted slots hold 1 = "unknown"). */
const STS_TO_ERRNO = new Int32Array(20).fill(1);
STS_TO_ERRNO[BLK_STS_OK] = 0;
STS_TO_ERRNO[BLK_STS_NOTSUPP] = -errno.EOPNOTSUPP;
STS_TO_ERRNO[BLK_STS_TIMEOUT] = -errno.ETIMEDOUT;
STS_TO_ERRNO[BLK_STS_NOSPC] = -errno.ENOSPC;
STS_TO_ERRNO[BLK_STS_TRANSPORT] = -errno.ENOLINK;
STS_TO_ERRNO[BLK_STS_TARGET] = -errno.EREMOTEIO;
STS_TO_ERRNO[BLK_STS_RESV_CONFLICT] = -errno.EBADE;
STS_TO_ERRNO[BLK_STS_MEDIUM] = -errno.ENODATA;
STS_TO_ERRNO[BLK_STS_PROTECTION] = -errno.EILSEQ;
STS_TO_ERRNO[BLK_STS_RESOURCE] = -errno.ENOMEM;
STS_TO_ERRNO[BLK_STS_DEV_RESOURCE] = -errno.EBUSY;
STS_TO_ERRNO[BLK_STS_AGAIN] = -errno.EAGAIN;
STS_TO_ERRNO[BLK_STS_OFFLINE] = -errno.ENODEV;
STS_TO_ERRNO[BLK_STS_DM_REQUEUE] = -errno.EREMCHG;
STS_TO_ERRNO[BLK_STS_ZONE_OPEN_RESOURCE] = -errno.ETOOMANYREFS;
STS_TO_ERRNO[BLK_STS_ZONE_ACTIVE_RESOURCE] = -errno.EOVERFLOW;
STS_TO_ERRNO[BLK_STS_DURATION_LIMIT] = -errno.ETIME;
STS_TO_ERRNO[BLK_STS_INVAL] = -errno.EINVAL;
STS_TO_ERRNO[BLK_STS_IOERR] = -errno.EIO;

/**
 * Negative errno for a status; unknown statuses map to -EIO, as upstream.
 * @kernel block/blk-core.c blk_status_to_errno()
 */
export function blkStatusToErrno(sts: number): number {
  if (sts >= 0 && sts < STS_TO_ERRNO.length) {
    const e = STS_TO_ERRNO[sts];
    if (e !== 1) return e;
  }
  return -errno.EIO;
}

/**
 * Status for an errno (either sign); an errno with no status maps to BLK_STS_IOERR, as upstream.
 * @kernel block/blk-core.c errno_to_blk_status()
 */
export function errnoToBlkStatus(err: number): number {
  if (err === 0) return BLK_STS_OK;
  const neg = err > 0 ? -err : err;
  for (let s = 0; s < STS_TO_ERRNO.length; s++) if (STS_TO_ERRNO[s] === neg) return s;
  return BLK_STS_IOERR;
}

const STS_NAMES: Record<number, string> = {
  0: 'BLK_STS_OK', 1: 'BLK_STS_NOTSUPP', 2: 'BLK_STS_TIMEOUT', 3: 'BLK_STS_NOSPC', 4: 'BLK_STS_TRANSPORT',
  5: 'BLK_STS_TARGET', 6: 'BLK_STS_RESV_CONFLICT', 7: 'BLK_STS_MEDIUM', 8: 'BLK_STS_PROTECTION',
  9: 'BLK_STS_RESOURCE', 10: 'BLK_STS_IOERR', 11: 'BLK_STS_DM_REQUEUE', 12: 'BLK_STS_AGAIN',
  13: 'BLK_STS_DEV_RESOURCE', 14: 'BLK_STS_ZONE_OPEN_RESOURCE', 15: 'BLK_STS_ZONE_ACTIVE_RESOURCE',
  16: 'BLK_STS_OFFLINE', 17: 'BLK_STS_DURATION_LIMIT', 19: 'BLK_STS_INVAL',
};

/** Name of a status, e.g. `'BLK_STS_IOERR'`. @kernel block/blk-core.c blk_status_to_str() */
export function blkStatusName(sts: number): string {
  return STS_NAMES[sts] ?? `BLK_STS_?${sts}`;
}
