/**
 * Which strategy / profile / release combinations the bio path can run, decided before anything
 * runs (block refuses a mismatched release mode too, but per IO). What pages carry follows block's
 * iterPagesCarry(): a user buffer is pinned from v8 on and referenced under legacy (FOLL_GET); a
 * kernel buffer (KVEC) carries nothing from v8 on and a reference under legacy.
 */
import { isTrim } from '../job/workload.ts';
import type { JobOptions } from '../options/table.ts';
import { cacheJobProblem } from './cache-rules.ts';
import { nullKnobsProblem } from './null-rules.ts';

export type Carry = 'pinned' | 'reffed' | 'none';
export type ResolvedProfile = 'legacy' | 'v8' | 'merged' | 'current';

/** The profile a job runs under: `auto` follows the strategy. */
export function resolveProfile(job: Pick<JobOptions, 'profile' | 'strategy'>): ResolvedProfile {
  if (job.profile !== 'auto') return job.profile;
  return job.strategy === 'get' ? 'legacy' : 'merged';
}

/** What the pages of one IO carry. */
export function carryOf(strategy: JobOptions['strategy'], profile: ResolvedProfile): Carry {
  if (profile === 'legacy') return 'reffed';
  return strategy === 'list' ? 'none' : 'pinned';
}

/** The release mode `auto` resolves to (block's resolveMode()). */
export function resolveRelease(release: JobOptions['release'], carry: Carry, profile: ResolvedProfile): string {
  if (release !== 'auto') return release;
  if (carry === 'none') return 'none';
  if (carry === 'reffed') return 'put';
  return profile === 'current' ? 'unpin-batched' : 'unpin';
}

const FITS: Record<Carry, readonly string[]> = {
  pinned: ['auto', 'unpin', 'unpin-batched', 'deferred'],
  reffed: ['auto', 'put', 'deferred'],
  none: ['auto', 'none'],
};

/** Why the stack engine cannot run `job`, or ''. */
export function stackJobProblem(job: JobOptions): string {
  if (isTrim(job.rw)) {
    return `--rw ${job.rw} is not supported on the stack engine: it issues read/write kiocbs only, and its bdev driver has no discard (REQ_OP_DISCARD); use --engine uring (a punch-hole fallocate, as fio's io_uring engine)`;
  }
  if (job.fsync > 0 || job.fdatasync > 0) return `--${job.fsync > 0 ? 'fsync' : 'fdatasync'} is not supported on the stack engine (biopath has no fsync for direct IO on a block device yet): use --engine uring`;
  const profile = resolveProfile(job);
  if (job.strategy === 'pin' && profile === 'legacy') {
    return '--strategy pin with --profile legacy: under legacy (6.2) a user buffer is referenced (FOLL_GET), not pinned; use --strategy get for that, or another profile';
  }
  if (job.strategy === 'get' && profile !== 'legacy') {
    return `--strategy get with --profile ${profile}: from v8 on a user buffer is pinned (FOLL_PIN); FOLL_GET is the legacy path, so use --profile legacy (or auto)`;
  }
  const carry = carryOf(job.strategy, profile);
  if (!FITS[carry].includes(job.release)) {
    const what = carry === 'none' ? 'nothing (pages just listed)' : carry === 'pinned' ? 'pins' : 'page references';
    return `--release ${job.release} cannot give back what strategy ${job.strategy} takes under profile ${profile}: ${what}; use one of ${FITS[carry].join(', ')}`;
  }
  if (!job.direct) {
    const why = cacheJobProblem(job);
    if (why) return why;
  }
  const knobs = nullKnobsProblem(job);
  if (knobs) return knobs;
  if (job.driver === 'nvme' && !/\/dev\/(ng|nvme)\d+n\d+$/.test(job.target ?? '')) {
    return '--driver nvme needs --target /dev/ngXnY (or /dev/nvmeXnY): an NVMe namespace';
  }
  return '';
}
