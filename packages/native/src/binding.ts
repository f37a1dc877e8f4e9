/**
 * The only module that loads the napi binding. Everything it returns passes through
 * {@link callNative}, which turns the binding's `"<errno>|<message>"` failures into
 * {@link BiopathError}s. Nothing outside this package sees the raw binding.
 */
import { createRequire } from 'node:module';
import { BiopathError, errnoName } from './errors.ts';
import type * as Binding from '../binding.d.cts';

const require = createRequire(import.meta.url);

function load(): typeof Binding {
  try {
    return require('../binding.cjs') as typeof Binding;
  } catch (e) {
    throw new BiopathError(
      'ENOENT',
      `@biopath/native: the native addon is not built (run \`npm run build:native\`): ${(e as Error).message}`,
    );
  }
}

export const binding = load();

/** Convert a native failure into a BiopathError; rethrow anything else unchanged. */
export function nativeError(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const m = /^(\d+)\|([\s\S]*)$/.exec(e.message);
  if (!m) return e;
  return new BiopathError(errnoName(Number(m[1])), m[2]!);
}

/** Run a native call, mapping its errors. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw nativeError(e);
  }
}
