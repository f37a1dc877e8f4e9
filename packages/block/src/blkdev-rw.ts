/**
 * The file-level entries of a block device for O_DIRECT: clamp to the device size, then direct I/O.
 * @kernel block/fops.c blkdev_read_iter(), blkdev_write_iter()
 */
import { type IovIter, iovIterReexpand, iovIterTruncate } from '@biopath/iov-iter';
import { BiopathError } from '@biopath/native';
import { bdevNrBytes } from './bdev.ts';
import { blkdevDirectIO } from './blkdev-dio.ts';
import { EIOCBQUEUED, type Kiocb, isSyncKiocb } from './kiocb.ts';
import { ENOSPC, EPERM } from './internal/errno.ts';


/**
 * O_DIRECT read: 0 at or past the end, a read past the end is shortened; sync reads advance `ki_pos`.
 * @kernel block/fops.c blkdev_read_iter()
 */
export function blkdevReadIter(iocb: Kiocb, to: IovIter): number {
  const bdev = iocb.ki_bdev;
  if (bdev === null) throw new BiopathError('EINVAL', 'blkdevReadIter(iocb): no ki_bdev');
  const size = bdevNrBytes(bdev);
  if (iocb.ki_pos >= size) return 0;
  const room = size - iocb.ki_pos;
  let shorted = 0;
  if (to.count > room) {
    shorted = to.count - room;
    iovIterTruncate(to, room);
  }
  const ret = blkdevDirectIO(iocb, to);
  if (ret > 0 && isSyncKiocb(iocb)) iocb.ki_pos += ret;
  if (shorted !== 0 && ret !== EIOCBQUEUED) iovIterReexpand(to, to.count + shorted);
  return ret;
}

/**
 * O_DIRECT write: -EPERM on a read-only device, -ENOSPC at or past the end, shortened past it.
 * @kernel block/fops.c blkdev_write_iter()
 */
export function blkdevWriteIter(iocb: Kiocb, from: IovIter): number {
  const bdev = iocb.ki_bdev;
  if (bdev === null) throw new BiopathError('EINVAL', 'blkdevWriteIter(iocb): no ki_bdev');
  if (bdev.bd_read_only) return EPERM;
  const size = bdevNrBytes(bdev);
  if (iocb.ki_pos >= size) return ENOSPC;
  const room = size - iocb.ki_pos;
  let shorted = 0;
  if (from.count > room) {
    shorted = from.count - room;
    iovIterTruncate(from, room);
  }
  const ret = blkdevDirectIO(iocb, from);
  if (ret > 0 && isSyncKiocb(iocb)) iocb.ki_pos += ret;
  if (shorted !== 0 && ret !== EIOCBQUEUED) iovIterReexpand(from, from.count + shorted);
  return ret;
}
