/**
 * What the next IO is: direction, offset and length, from rw/rwmixread/bs/seed. Sequential jobs
 * walk a cursor (wrapping when time based); random jobs with one block size visit each block once
 * per pass (a permutation); random jobs with a size range pick a random multiple of the minimum
 * at a random multiple of the minimum. Size-based jobs (runtime 0) stop after `size` bytes.
 */
import type { RwMode } from '../options/table.ts';
import { DDIR_READ, DDIR_WRITE } from '../stats/io-stats.ts';
import type { IoU } from '../engine/io-unit.ts';
import { Permutation, Rand32, seedMix } from './prng.ts';

export interface WorkloadSpec {
  rw: RwMode;
  rwmixread: number;
  bsMin: number;
  bsMax: number;
  /** Region, bytes: [start, start + size). */
  start: number;
  size: number;
  /** Stop after `size` bytes (runtime 0) instead of looping. */
  sizeBased: boolean;
  seed: number;
}

export function isRandom(rw: RwMode): boolean {
  return rw === 'randread' || rw === 'randwrite' || rw === 'randrw';
}

/** Percentage of reads a mode issues. */
export function readPercent(rw: RwMode, rwmixread: number): number {
  if (rw === 'read' || rw === 'randread') return 100;
  if (rw === 'write' || rw === 'randwrite') return 0;
  return rwmixread;
}

export class Workload {
  readonly spec: WorkloadSpec;
  readonly #random: boolean;
  readonly #readPct: number;
  readonly #units: number;
  readonly #sizeSteps: number;
  readonly #perm: Permutation | null;
  readonly #offRand: Rand32;
  readonly #bsRand: Rand32;
  readonly #dirRand: Rand32;
  #cursor = 0;
  #issued = 0;

  constructor(spec: WorkloadSpec) {
    this.spec = spec;
    this.#random = isRandom(spec.rw);
    this.#readPct = readPercent(spec.rw, spec.rwmixread);
    this.#units = Math.floor(spec.size / spec.bsMin);
    this.#sizeSteps = spec.bsMax / spec.bsMin;
    const fixed = spec.bsMin === spec.bsMax;
    this.#perm = this.#random && fixed && this.#units <= 4294967296 ? new Permutation(this.#units, spec.seed) : null;
    this.#offRand = new Rand32(seedMix(spec.seed, 11));
    this.#bsRand = new Rand32(seedMix(spec.seed, 12));
    this.#dirRand = new Rand32(seedMix(spec.seed, 13));
  }

  /** Bytes issued so far. */
  get issued(): number {
    return this.#issued;
  }

  /** Fill `io` with the next IO; false when a size-based job has issued everything. */
  next(io: IoU): boolean {
    const s = this.spec;
    if (s.sizeBased && this.#issued >= this.#units * s.bsMin) return false;
    io.ddir = this.#readPct === 100 ? DDIR_READ : this.#readPct === 0 ? DDIR_WRITE
      : this.#dirRand.below(100) < this.#readPct ? DDIR_READ : DDIR_WRITE;
    let len = this.#sizeSteps === 1 ? s.bsMin : s.bsMin * (1 + this.#bsRand.below(this.#sizeSteps));
    let unit: number;
    if (this.#perm) unit = this.#perm.next();
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
    return true;
  }
}
