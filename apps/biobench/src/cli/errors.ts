/**
 * The two kinds of failure biobench reports to a user, and how each reaches the terminal: one
 * line (or a short paragraph), `biobench: ` first, never a stack trace. Exit codes: 2 for bad
 * input found before any IO (options, target, safety), 1 for a failure during a run (IO error,
 * verify mismatch, fio failing), 0 otherwise.
 */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Bad input: an option, a target, a refused write. Nothing has been written when this is thrown.
 * `code` is Node's errno name for what was wrong (`EINVAL` unless a more precise one applies:
 * `ENOENT` for a missing directory, `ENOSPC` for too little room, …).
 */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
  readonly code: string;
  constructor(message: string, code = 'EINVAL') {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

/** A run that started and failed (IO error, verify mismatch, a peer tool failing); `code` as for {@link UsageError}. */
export class RunError extends Error {
  readonly exitCode = EXIT_FAILURE;
  readonly code: string;
  constructor(message: string, code = 'EIO') {
    super(message);
    this.name = 'RunError';
    this.code = code;
  }
}

interface Coded { code?: unknown; message?: unknown }

/** The message and exit code for anything thrown out of a command. */
export function describeFailure(e: unknown): { message: string; exitCode: number } {
  if (e instanceof UsageError || e instanceof RunError) return { message: e.message, exitCode: e.exitCode };
  const c = (e ?? {}) as Coded;
  const msg = typeof c.message === 'string' ? c.message : String(e);
  if (typeof c.code === 'string' && /^E[A-Z]+$/.test(c.code)) return { message: msg, exitCode: EXIT_FAILURE };
  return { message: `internal error: ${msg} (set BIOBENCH_DEBUG=1 for a stack trace)`, exitCode: EXIT_FAILURE };
}
