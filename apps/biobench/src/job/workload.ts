/**
 * What the next IO is: direction, offset and length, from rw/rwmixread/bs/bssplit/seed. Sequential
 * jobs walk a cursor (wrapping); random jobs with one block size visit each block once per pass
 * (a permutation, fio's random map) unless `norandommap`; other random jobs pick a random
 * multiple of the smallest block size, uniformly or by `random_distribution` (zipf, pareto,
 * normal). Each direction has its own block size (fio's bs=r,w) or split (bssplit). Size-based
 * jobs stop after `size` bytes times `loops`.
 */
import type { RwMode } from '../options/table.ts';
import { DDIR_READ, DDIR_TRIM, DDIR_WRITE } from '../stats/io-stats.ts';
import type { IoU } from '../engine/io-unit.ts';
import type { Distribution, SplitEntry } from '../options/kinds-fio.ts';
import { OffsetDistribution } from './distribution.ts';
import { Permutation, Rand32, seedMix } from './prng.ts';

/** One direction's block sizes: a range (each IO a random multiple of min) or a split. */
export interface DirBs {
  min: number;
  max: number;
  split: SplitEntry[] | null;
}

export interface WorkloadSpec {
  rw: RwMode;
  rwmixread: number;
  bsMin: number;
  bsMax: number;
  /** Region, bytes: [start, start + size). */
  start: number;
  size: number;
  /** Stop after `size` bytes × `loops` instead of looping for ever. */
  sizeBased: boolean;
  seed: number;
  /** Per direction (read, write); absent = bsMin..bsMax for both. */
  dirBs?: [DirBs, DirBs];
  loops?: number;
  norandommap?: boolean;
  distribution?: Distribution;
}

export function isRandom(rw: RwMode): boolean {
  return rw === 'randread' || rw === 'randwrite' || rw === 'randrw' || rw === 'randtrim';
}

/** Whether a mode discards (fio's td_trim()): trim, randtrim, trimwrite. */
export function isTrim(rw: RwMode): boolean {
  return rw === 'trim' || rw === 'randtrim' || rw === 'trimwrite';
}

/** Percentage of reads a mode issues (0 for the trim modes: they need the target writable). */
export function readPercent(rw: RwMode, rwmixread: number): number {
  if (rw === 'read' || rw === 'randread') return 100;
  if (rw === 'write' || rw === 'randwrite' || isTrim(rw)) return 0;
  return rwmixread;
}

const TRIM_NONE = 0, TRIM_ONLY = 1, TRIM_WRITE = 2;

export class Workload {
  readonly spec: WorkloadSpec;
  readonly #random: boolean;
  readonly #readPct: number;
  readonly #units: number;
  readonly #sizeSteps: number;
  readonly #perm: Permutation | null;
  readonly #dist: OffsetDistribution | null;
  readonly #dirBs: [DirBs, DirBs];
  readonly #total: number;
  readonly #offRand: Rand32;
  readonly #bsRand: Rand32;
  readonly #dirRand: Rand32;
  readonly #trim: number;
  #cursor = 0;
  #issued = 0;
  /** trimwrite: the block just trimmed, to be written next (-1 = none). */
  #rewriteAt = -1;
  #rewriteLen = 0;

  constructor(spec: WorkloadSpec) {
    this.spec = spec;
    this.#random = isRandom(spec.rw);
    this.#readPct = readPercent(spec.rw, spec.rwmixread);
    this.#trim = spec.rw === 'trimwrite' ? TRIM_WRITE : isTrim(spec.rw) ? TRIM_ONLY : TRIM_NONE;
    this.#units = Math.floor(spec.size / spec.bsMin);
    this.#sizeSteps = spec.bsMax / spec.bsMin;
    const one: DirBs = { min: spec.bsMin, max: spec.bsMax, split: null };
    this.#dirBs = spec.dirBs ?? [one, one];
    const fixed = this.#dirBs.every((b) => b.split === null && b.min === spec.bsMin && b.max === spec.bsMin);
    const dist = spec.distribution && spec.distribution.type !== 'random' ? spec.distribution : null;
    this.#dist = this.#random && dist ? new OffsetDistribution(dist, this.#units, spec.seed) : null;
    this.#perm = this.#random && fixed && !this.#dist && !spec.norandommap && this.#units <= 4294967296 ? new Permutation(this.#units, spec.seed) : null;
    this.#total = this.#units * spec.bsMin * (spec.loops ?? 1);
    this.#offRand = new Rand32(seedMix(spec.seed, 11));
    this.#bsRand = new Rand32(seedMix(spec.seed, 12));
    this.#dirRand = new Rand32(seedMix(spec.seed, 13));
  }

  /** Bytes issued so far. */
  get issued(): number {
    return this.#issued;
  }

  /**
   * Fill `io` with the next IO; false when a size-based job has issued everything. trimwrite
   * (fio's td_trimwrite) writes each block it trimmed right after the trim; only the trims count
   * toward `size`.
   */
  next(io: IoU): boolean {
    const s = this.spec;
    if (this.#rewriteAt >= 0) {
      io.ddir = DDIR_WRITE;
      io.offset = this.#rewriteAt;
      io.buflen = this.#rewriteLen;
      this.#rewriteAt = -1;
      return true;
    }
    if (s.sizeBased && this.#issued >= this.#total) return false;
    io.ddir = this.#trim !== TRIM_NONE ? DDIR_TRIM : this.#readPct === 100 ? DDIR_READ : this.#readPct === 0 ? DDIR_WRITE
      : this.#dirRand.below(100) < this.#readPct ? DDIR_READ : DDIR_WRITE;
    // trims take the write block size, as fio's bs=r,w (the trim's is the write's unless set)
    let len = this.#sizeSteps === 1 ? s.bsMin : this.#length(this.#dirBs[io.ddir === DDIR_READ ? 0 : 1]!);
    let unit: number;
    if (this.#perm) unit = this.#perm.next();
    else if (this.#dist) unit = this.#dist.next(this.#offRand);
    else if (this.#random) unit = this.#offRand.below(this.#units);
    else {
      if (this.#cursor >= this.#units) this.#cursor = 0;
      unit = this.#cursor;
    }
    const room = (this.#units - unit) * s.bsMin;
    if (len > room) {
      if (this.#random) unit -= (len - room) / s.bsMin;
      else len = room;
    }
    if (unit < 0) {
      unit = 0;
      len = this.#units * s.bsMin;
    }
    if (!this.#random) this.#cursor = unit + len / s.bsMin;
    io.offset = s.start + unit * s.bsMin;
    io.buflen = len;
    this.#issued += len;
    if (this.#trim === TRIM_WRITE) {
      this.#rewriteAt = io.offset;
      this.#rewriteLen = len;
    }
    return true;
  }

  /** A block size for one direction: by its split's shares, else a random multiple of its min. */
  #length(b: DirBs): number {
    if (b.split) {
      let x = this.#bsRand.below(1_000_000) / 10_000;
      for (const e of b.split) {
        if (x < e.pct) return e.bs;
        x -= e.pct;
      }
      return b.split[b.split.length - 1]!.bs;
    }
    return b.min === b.max ? b.min : b.min * (1 + this.#bsRand.below(b.max / b.min));
  }
}
