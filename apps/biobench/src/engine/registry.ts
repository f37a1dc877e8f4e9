/**
 * Which engines exist and which one a job gets. `uring` is always here; `stack` (the biopath
 * bio path) is loaded on demand and only when @biopath/block and @biopath/nvme export what it
 * drives, so biobench keeps working while those packages are being built.
 */
import { UsageError } from '../cli/errors.ts';
import type { AnyIoEngine, IoEngine } from './engine.ts';
import { uringEngine } from './uring-engine.ts';

export interface EngineChoice {
  engine: AnyIoEngine;
  /** Why this engine ran when the user asked for `auto`, or ''. */
  note: string;
}

export interface StackAvailability {
  ok: boolean;
  reason: string;
  engine: IoEngine<unknown> | null;
  /** The stack engine's buffered mode (biopath's page cache). */
  buffered: AnyIoEngine | null;
}

let cached: StackAvailability | null = null;

/** Try to load the stack engine; never throws. */
export async function stackAvailability(): Promise<StackAvailability> {
  if (cached) return cached;
  try {
    const [mod, cache] = await Promise.all([import('./stack-engine.ts'), import('./cache-engine.ts')]);
    cached = { ok: true, reason: '', engine: mod.stackEngine as IoEngine<unknown>, buffered: cache.cacheEngine as AnyIoEngine };
  } catch (e) {
    cached = { ok: false, reason: `the stack engine could not load @biopath/block / @biopath/nvme / @biopath/page-cache: ${firstLine(e)}`, engine: null, buffered: null };
  }
  return cached;
}

const firstLine = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0]!;

/**
 * The engine for `--engine`; `auto` = stack when it is available, else uring (with a note).
 * Buffered jobs (`direct` false) on the stack engine go through biopath's page cache. A trim
 * job (`trim`) on `auto` runs on uring: the stack engine has no discard path.
 */
export async function selectEngine(requested: 'auto' | 'uring' | 'stack', direct = true, trim = false): Promise<EngineChoice> {
  if (requested === 'uring') return { engine: uringEngine as IoEngine<unknown>, note: '' };
  if (requested === 'auto' && trim) {
    return { engine: uringEngine as IoEngine<unknown>, note: 'engine: uring (trims are a punch-hole fallocate, as fio\'s io_uring engine; the stack engine has no discard path)' };
  }
  const s = await stackAvailability();
  if (s.ok) return { engine: direct ? s.engine! : s.buffered!, note: '' };
  if (requested === 'stack') throw new UsageError(`--engine stack is not available: ${s.reason}. Use --engine uring`);
  return { engine: uringEngine as IoEngine<unknown>, note: `engine: uring (raw io_uring; strategy reported as raw). ${s.reason}` };
}
