/**
 * The one module of @biopath/blockdev that imports @biopath/native: the error type, errno numbers
 * and names, and the WARN counter. Everything else in the package imports from here.
 */
export { BiopathError, errno, errnoName, warnOnOnce } from '@biopath/native';
import { BiopathError, errnoName } from '@biopath/native';

/** A kernel-style negative errno (or a BLK_STS mapped to one) as the error a promise rejects with. */
export function errorFromErrno(err: number, where: string): BiopathError {
  return new BiopathError(errnoName(err), where);
}
