/**
 * The only module that loads the napi binding. Everything it returns passes through
 * {@link callNative}, which turns the binding's `"<errno>|<message>"` failures into
 * {@link BiopathError}s. Nothing outside this package sees the raw binding.
 */
import { createRequire } from 'node:module';
import { BiopathError, errnoName } from './errors.ts';
import type * as Binding from '../binding.cjs';

const require = createRequire(import.meta.url);

/**
 * The npm package that carries the `.node` binary for this machine, named the napi-rs way
 * (`@biopath/native-<platform>-<arch>[-<libc>]`). Only `linux-x64-gnu` is built and published.
 */
function platformPackage(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const libc = process.platform !== 'linux' ? '' : report?.header?.glibcVersionRuntime ? '-gnu' : '-musl';
  return `@biopath/native-${process.platform}-${process.arch}${libc}`;
}

/**
 * Load the addon through napi-rs's loader (`binding.cjs`): the `.node` file beside it (a source
 * build, `npm run build:native`), else the platform package, an optional dependency of
 * `@biopath/native` that npm installs only on a matching machine. Failing both, say which package
 * is missing.
 */
function load(): typeof Binding {
  try {
    return require('../binding.cjs') as typeof Binding;
  } catch (e) {
    const pkg = platformPackage();
    const supported = pkg === '@biopath/native-linux-x64-gnu';
    const err = new BiopathError(
      'ENOENT',
      supported
        ? `@biopath/native: the native addon is missing: install the platform package ${pkg} (an optional ` +
          `dependency of @biopath/native; npm skips it under --omit=optional or --no-optional) or, in a ` +
          `clone of the repository, run \`npm run build:native\``
        : `@biopath/native: no native addon for this machine: ${pkg} does not exist; biopath runs on ` +
          `Linux x86-64 with glibc only (@biopath/native-linux-x64-gnu)`,
    );
    err.cause = e; // napi-rs's loader lists every path it tried
    throw err;
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
