/**
 * The negative errnos block's hot paths return, kernel style (`return -EINVAL;`): one place for the
 * whole layer, derived from `@biopath/native`'s errno table.
 */
import { errno } from '@biopath/native';

export const EPERM = -errno.EPERM;
export const EINTR = -errno.EINTR;
export const EIO = -errno.EIO;
export const EAGAIN = -errno.EAGAIN;
export const ENOMEM = -errno.ENOMEM;
export const EFAULT = -errno.EFAULT;
export const EINVAL = -errno.EINVAL;
export const ENOSPC = -errno.ENOSPC;
export const EREMOTEIO = -errno.EREMOTEIO;
/** Not a user-visible errno: the async I/O was queued, `ki_complete` reports the result. */
export const EIOCBQUEUED = -errno.EIOCBQUEUED;
