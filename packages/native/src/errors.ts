/**
 * Errors and invariant reporting for every biopath layer.
 *
 * User-triggerable bad input throws {@link BiopathError}, an `Error` with a Node-style `code`
 * (`'EINVAL'`) and a positive `errno`, whose message names the function and argument.
 * Hot paths carry kernel-style negative errnos and convert at the API edge with {@link errFromErrno}.
 */

/** Linux errno numbers used across biopath (x86-64 values). */
export const errno = {
  EPERM: 1, ENOENT: 2, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, EBADF: 9, EAGAIN: 11, ENOMEM: 12,
  EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22,
  ENFILE: 23, EMFILE: 24, ENOTTY: 25, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, ERANGE: 34,
  ENOSYS: 38, EBADE: 52, ENODATA: 61, ETIME: 62, ENOLINK: 67, EOVERFLOW: 75, EBADFD: 77, EREMCHG: 78, EILSEQ: 84,
  EOPNOTSUPP: 95, ENOTSUP: 95, ETOOMANYREFS: 109, ETIMEDOUT: 110, ECANCELED: 125, EREMOTEIO: 121, EIOCBQUEUED: 529,
} as const;

export type ErrnoCode = keyof typeof errno;

const names: string[] = [];
for (const [k, v] of Object.entries(errno)) if (names[v] === undefined) names[v] = k;

/** Name of a (positive or negative) errno number, e.g. `errnoName(-22) === 'EINVAL'`; `'E?<n>'` if unknown. */
export function errnoName(n: number): string {
  return names[Math.abs(n)] ?? `E?${Math.abs(n)}`;
}

/** The one error type biopath throws for bad input and failed system calls. */
export class BiopathError extends Error {
  /** Node-style code, e.g. `'EINVAL'`. */
  readonly code: string;
  /** Positive errno number matching `code` (Node's `SystemError` uses negative; we follow `fs` promises: positive). */
  readonly errno: number;
  /** The system call that failed, when there was one. */
  readonly syscall: string | undefined;

  constructor(code: ErrnoCode | string, message: string, syscall?: string) {
    super(message.startsWith(code) ? message : `${code}: ${message}`);
    this.name = 'BiopathError';
    this.code = code;
    this.errno = (errno as Record<string, number>)[code] ?? 0;
    this.syscall = syscall;
  }
}

/** Build a BiopathError from a kernel-style errno (either sign). `where` names the function and argument. */
export function errFromErrno(err: number, where: string): BiopathError {
  return new BiopathError(errnoName(err), where);
}

/** Throw `BiopathError(code)` unless `cond` holds. For argument validation at API edges. */
export function check(cond: unknown, code: ErrnoCode, message: string): asserts cond {
  if (!cond) throw new BiopathError(code, message);
}

const warned = new Set<string>();
let warnCount = 0;

/**
 * The kernel's WARN_ON_ONCE: when `cond` is truthy, count it, log `what` once per distinct message,
 * and return true so the caller can recover (`if (warnOnOnce(bad, 'x')) return -EINVAL;`).
 * Tests assert {@link warnOnOnceCount} stays zero.
 */
export function warnOnOnce(cond: unknown, what: string): boolean {
  if (!cond) return false;
  warnCount++;
  if (!warned.has(what)) {
    warned.add(what);
    process.emitWarning(what, { code: 'BIOPATH_WARN_ON_ONCE' });
  }
  return true;
}

/** How many times any {@link warnOnOnce} fired in this process. */
export function warnOnOnceCount(): number {
  return warnCount;
}

/** Reset the WARN counter (tests that provoke a WARN on purpose reset it afterwards). */
export function warnOnOnceReset(): void {
  warnCount = 0;
  warned.clear();
}
