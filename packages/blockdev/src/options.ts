/**
 * `openBlockDevice` options, their defaults, and the one function that validates them before
 * anything is opened (an invalid combination is an EINVAL naming the option, never a half-open
 * device).
 */
import type { FaultyOptions } from '@biopath/nvme';
import type { Profile } from '@biopath/mm';
import { PAGE_SIZE, PROFILES } from '@biopath/mm';
import { RELEASE_MODES } from '@biopath/block';
import type { ReleaseModeName } from '@biopath/block';
import { BiopathError } from './internal/native.ts';

export type DriverName = 'bdev' | 'nvme' | 'null' | 'faulty';
export type Strategy = 'pin' | 'get' | 'list';

export interface OpenOptions {
  /** `bdev` (O_DIRECT io_uring on a file or block device; default for a path), `nvme` (passthrough on /dev/ngXnY), `null` (default for a size), `faulty` (wraps `faults.inner`). */
  driver?: DriverName;
  /** How a direct IO takes the caller's pages: `pin` (FOLL_PIN, default), `get` (FOLL_GET, profile legacy), `list` (kernel pages, nothing taken). */
  strategy?: Strategy;
  /** Release mode of every bio (block's `RELEASE_MODES`; default `auto`). Must fit what the strategy takes. */
  release?: ReleaseModeName;
  /** Kernel behaviour profile; default `legacy` for `get`, `merged` otherwise. */
  profile?: Profile;
  /** Tags of the queue (requests in flight at once); more IOs wait in block's backlog. Default 64. */
  queueDepth?: number;
  /** Direct IO (default true). `false` goes through the page cache; needs `cacheSize`. */
  direct?: boolean;
  /** Page cache size in bytes (page multiple); setting it makes `direct` default to false. */
  cacheSize?: number;
  /** Readahead window in bytes for the page cache (default 128 KiB; 0 disables it). */
  readahead?: number;
  /** Page cache writeback: `'fsync'` (dirty data reaches the device on `flush()`/`close()`, default) or `'write-through'` (each write is written back before its promise resolves; FUA writes always are). */
  writeback?: 'fsync' | 'write-through';
  /** Open read-only: writes, discards and write-zeroes reject with EROFS. */
  readOnly?: boolean;
  /** Arena memory in bytes for user buffers, bounce buffers and the cache's frames are added to it. Default 64 MiB. */
  memory?: number;
  /** `null` driver: keep written data (default true), and its logical block size (default 512). */
  nullMemoryBacked?: boolean;
  nullBlockSize?: number;
  /** `faulty` driver: what it wraps (default `bdev` for a path, `null` for a size) and its schedule. */
  faults?: FaultyOptions & { inner?: 'bdev' | 'nvme' | 'null' };
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  driver: DriverName;
  inner: 'bdev' | 'nvme' | 'null';
  strategy: Strategy;
  release: ReleaseModeName;
  profile: Profile;
  queueDepth: number;
  direct: boolean;
  cachePages: number;
  readaheadKb: number;
  writeThrough: boolean;
  readOnly: boolean;
  memoryPages: number;
  nullMemoryBacked: boolean;
  nullBlockSize: number;
  faults: FaultyOptions | null;
}

const DRIVERS: readonly DriverName[] = ['bdev', 'nvme', 'null', 'faulty'];
const STRATEGIES: readonly Strategy[] = ['pin', 'get', 'list'];

function bad(name: string, why: string): never {
  throw new BiopathError('EINVAL', `openBlockDevice(options.${name}): ${why}`);
}

function oneOf<T extends string>(name: string, v: unknown, list: readonly T[], dflt: T): T {
  if (v === undefined) return dflt;
  if (!list.includes(v as T)) bad(name, `${String(v)} is not one of ${list.join(', ')}`);
  return v as T;
}

function intIn(name: string, v: unknown, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) bad(name, `${String(v)} is not an integer in ${min}..${max}`);
  return v;
}

function bool(name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') bad(name, `${String(v)} is not a boolean`);
  return v;
}

/** What a bio's pages carry under `strategy` and `profile` (block's iterPagesCarry for UBUF / KVEC). */
function carryOf(strategy: Strategy, profile: Profile): 'pinned' | 'reffed' | 'none' {
  if (profile === 'legacy') return 'reffed';
  return strategy === 'list' ? 'none' : 'pinned';
}

const FITS = { pinned: ['auto', 'unpin', 'unpin-batched', 'deferred'], reffed: ['auto', 'put', 'deferred'], none: ['auto', 'none'] };

function resolveStrategy(o: OpenOptions): { strategy: Strategy; profile: Profile; release: ReleaseModeName } {
  const strategy = oneOf('strategy', o.strategy, STRATEGIES, 'pin');
  const profile = oneOf('profile', o.profile, PROFILES, strategy === 'get' ? 'legacy' : 'merged');
  if (strategy === 'pin' && profile === 'legacy') bad('profile', "'legacy' references user pages (FOLL_GET): use strategy 'get' for it");
  if (strategy === 'get' && profile !== 'legacy') bad('profile', `'${profile}' pins user pages (FOLL_PIN): strategy 'get' needs profile 'legacy'`);
  const release = oneOf('release', o.release, RELEASE_MODES, 'auto');
  const carry = carryOf(strategy, profile);
  if (!FITS[carry].includes(release)) bad('release', `'${release}' cannot give back what strategy '${strategy}' takes under '${profile}'; use one of ${FITS[carry].join(', ')}`);
  return { strategy, profile, release };
}

function blockSize(v: unknown): number {
  if (v === undefined) return 512;
  if (v !== 512 && v !== 1024 && v !== 2048 && v !== 4096) bad('nullBlockSize', `${String(v)} is not 512, 1024, 2048 or 4096`);
  return v;
}

/** Defaults and validation; throws BiopathError('EINVAL') naming the first bad option. */
export function resolveOptions(target: string | number, o: OpenOptions): ResolvedOptions {
  if (o === null || typeof o !== 'object') bad('', 'options must be an object');
  const isPath = typeof target === 'string';
  const driver = oneOf('driver', o.driver, DRIVERS, isPath ? 'bdev' : 'null');
  const inner = driver === 'faulty' ? oneOf('faults.inner', o.faults?.inner, ['bdev', 'nvme', 'null'] as const, isPath ? 'bdev' : 'null') : driver;
  if ((inner === 'null') === isPath) bad('driver', inner === 'null' ? 'the null driver takes a size in bytes as target, not a path' : `driver '${inner}' takes a path as target, not a size`);
  if (driver === 'faulty' && (o.faults === undefined || !Array.isArray(o.faults.rules))) bad('faults', "driver 'faulty' needs faults: { rules: [...] }");
  const cacheSize = intIn('cacheSize', o.cacheSize, PAGE_SIZE, 2 ** 40, 0);
  if (cacheSize % PAGE_SIZE !== 0) bad('cacheSize', `${cacheSize} is not a multiple of ${PAGE_SIZE}`);
  const direct = bool('direct', o.direct, cacheSize === 0);
  if (!direct && cacheSize === 0) bad('cacheSize', 'direct: false needs a page cache size');
  if (direct && cacheSize > 0) bad('direct', 'direct IO bypasses the cache: leave cacheSize unset, or set direct: false');
  const readahead = intIn('readahead', o.readahead, 0, 2 ** 30, 128 * 1024);
  if (readahead % 1024 !== 0) bad('readahead', `${readahead} is not a multiple of 1024`);
  const memory = intIn('memory', o.memory, 16 * PAGE_SIZE, 2 ** 40, 64 * 2 ** 20);
  return {
    driver, inner, ...resolveStrategy(o),
    queueDepth: intIn('queueDepth', o.queueDepth, 1, 4096, 64),
    direct, cachePages: cacheSize / PAGE_SIZE, readaheadKb: readahead / 1024,
    writeThrough: oneOf('writeback', o.writeback, ['fsync', 'write-through'] as const, 'fsync') === 'write-through',
    readOnly: bool('readOnly', o.readOnly, false),
    memoryPages: Math.ceil(memory / PAGE_SIZE),
    nullMemoryBacked: bool('nullMemoryBacked', o.nullMemoryBacked, true),
    nullBlockSize: blockSize(o.nullBlockSize),
    faults: driver === 'faulty' ? { rules: o.faults!.rules, ...(o.faults!.seed !== undefined ? { seed: o.faults!.seed } : {}) } : null,
  };
}
