/**
 * The negative errnos block's hot paths return, kernel style (`return -EINVAL;`): one place for the
 * whole layer, derived from `@biopath/native`'s errno table.
 */
import { errno } from '@biopath/native';

export const EIO = -errno.EIO;
export const EAGAIN = -errno.EAGAIN;
export const ENOMEM = -errno.ENOMEM;
export const EFAULT = -errno.EFAULT;
export const EINVAL = -errno.EINVAL;
export const ENOSPC = -errno.ENOSPC;
export const EREMOTEIO = -errno.EREMOTEIO;
