/**
 * The one module of `@biopath/iov-iter` that imports `@biopath/native` (errors only: this package
 * never crosses into the binding).
 */
export { BiopathError, errno, warnOnOnce } from '@biopath/native';
