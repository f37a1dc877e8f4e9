/**
 * `--output` is checked before anything runs: a results file that cannot be written would
 * otherwise fail only after the whole job (minutes of IO thrown away).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.ts';

function errnoOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}

/**
 * Throw a UsageError (coded like Node: `ENOENT`, `ENOTDIR`, `EISDIR`, `EACCES`) naming `--output`
 * unless `output` is null (stdout) or a file that can be created or overwritten. Creates nothing.
 */
export function checkOutputFile(output: string | null): void {
  if (output === null) return;
  const file = resolve(output);
  const dir = dirname(file);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = errnoOf(e);
    const what = code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a directory' : `cannot be read: ${(e as Error).message}`;
    throw new UsageError(`--output ${output}: the directory ${dir} ${what} (${code}); create it first or choose another path (nothing was run)`, code);
  }
  if (!st.isDirectory()) {
    throw new UsageError(`--output ${output}: ${dir} is not a directory (ENOTDIR); choose another path (nothing was run)`, 'ENOTDIR');
  }
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--output ${output}: ${file} is a directory (EISDIR); name a file (nothing was run)`, 'EISDIR');
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = errnoOf(e);
    throw new UsageError(`--output ${output}: the directory ${dir} is not writable (${code}); choose another path (nothing was run)`, code);
  }
}
