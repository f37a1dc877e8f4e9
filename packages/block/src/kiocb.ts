/**
 * `struct kiocb`: one I/O request from the file layer.
 * @kernel include/linux/fs.h struct kiocb, IOCB_*
 */
import type { BlockDevice } from './bio-types.ts';
import { RELEASE_AUTO } from './bio-types.ts';

export const IOCB_HIPRI = 1 << 0;
export const IOCB_DSYNC = 1 << 1;
export const IOCB_SYNC = 1 << 2;
export const IOCB_NOWAIT = 1 << 3;
export const IOCB_APPEND = 1 << 4;
export const IOCB_ATOMIC = 1 << 6;
export const IOCB_EVENTFD = 1 << 16;
export const IOCB_DIRECT = 1 << 17;
export const IOCB_WRITE = 1 << 18;
export const IOCB_ALLOC_CACHE = 1 << 21;

/** -EIOCBQUEUED: the async I/O was queued; `ki_complete` reports the result. */
export { EIOCBQUEUED } from './internal/errno.ts';

/** Async completion: `ret` is bytes done or a negative errno. */
export type KiComplete = (iocb: Kiocb, ret: number) => void;

/** One I/O; reuse it (fixed shape). `ki_complete` null = synchronous. */
export class Kiocb {
  /** The block device (the kernel reaches it through `ki_filp`). */
  ki_bdev: BlockDevice | null = null;
  ki_pos = 0;
  ki_flags = 0;
  ki_ioprio = 0;
  ki_complete: KiComplete | null = null;
  /** Caller context for `ki_complete` (the kernel's `private` is the polled bio; this is the caller's). */
  ki_data: unknown = null;
  /** biopath: RELEASE_* mode for the bios built for this I/O (A/B testing); checked up front. */
  ki_release = RELEASE_AUTO;
}

/** @kernel include/linux/fs.h is_sync_kiocb() */
export function isSyncKiocb(iocb: Kiocb): boolean {
  return iocb.ki_complete === null;
}
