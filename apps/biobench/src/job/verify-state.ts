/**
 * Verify bookkeeping of one job: the generation last written to each unit of the region, the IOs
 * in flight per unit (so a read is never checked against a write still landing), and the
 * mismatches found. Allocated at job start (4 + 2 + 2 bytes per unit).
 */
import type { IoU } from '../engine/io-unit.ts';
import { checkUnit, fillUnit, UnitViews } from './verify.ts';
import type { Mismatch, VerifyFormat, VerifyMode } from './verify.ts';

const MAX_UNITS = 1 << 27;
export const MAX_REPORTED_MISMATCHES = 10;

export class VerifyState {
  readonly unit: number;
  readonly start: number;
  readonly gen: Uint32Array;
  readonly #readers: Uint16Array;
  readonly #writers: Uint16Array;
  readonly #views: UnitViews[];
  readonly seed: number;
  readonly format: VerifyFormat;
  #nextGen = 1;
  unitsWritten = 0;
  unitsVerified = 0;
  mismatchCount = 0;
  readonly mismatches: Mismatch[] = [];

  constructor(unit: number, start: number, size: number, seed: number, units: IoU[], mode: VerifyMode = 'crc32c', pattern: Uint8Array | null = null) {
    this.format = { mode, pattern };
    const n = Math.floor(size / unit);
    if (n > MAX_UNITS) throw new RangeError(`verify: ${n} blocks of ${unit} bytes is too many to track (at most ${MAX_UNITS}); lower --size or raise --bs`);
    this.unit = unit;
    this.start = start;
    this.seed = seed;
    this.gen = new Uint32Array(n);
    this.#readers = new Uint16Array(n);
    this.#writers = new Uint16Array(n);
    this.#views = units.map((io) => new UnitViews(io.buf, unit));
  }

  /** May `io` be issued now (no conflicting IO in flight on its units)? */
  admit(io: IoU): boolean {
    const u0 = (io.offset - this.start) / this.unit, u1 = u0 + io.buflen / this.unit;
    for (let u = u0; u < u1; u++) {
      if (this.#writers[u]! > 0 || (io.ddir === 1 && this.#readers[u]! > 0)) return false;
    }
    return true;
  }

  /** Before queueing: fill a write's units, note what a read must find; mark units in flight. */
  issue(io: IoU): void {
    const u0 = (io.offset - this.start) / this.unit, u1 = u0 + io.buflen / this.unit;
    const v = this.#views[io.index]!;
    if (io.ddir === 1) {
      const g = this.#nextGen++;
      for (let u = u0; u < u1; u++) {
        fillUnit(v, u - u0, this.start + u * this.unit, g, this.seed, this.unit, this.format);
        this.gen[u] = g;
        this.#writers[u]!++;
      }
      io.verifyGen = g;
    } else for (let u = u0; u < u1; u++) this.#readers[u]!++;
  }

  /**
   * After completion. Reads are checked unit by unit against what this run last wrote there;
   * `checkAll` also checks units this run never wrote (verify_only, read-back after layout).
   */
  complete(io: IoU, ok: boolean, checkAll: boolean): void {
    const u0 = (io.offset - this.start) / this.unit, u1 = u0 + io.buflen / this.unit;
    if (io.ddir === 1) {
      for (let u = u0; u < u1; u++) this.#writers[u]!--;
      if (ok) this.unitsWritten += u1 - u0;
      return;
    }
    const v = this.#views[io.index]!;
    for (let u = u0; u < u1; u++) {
      this.#readers[u]!--;
      if (!ok || (this.gen[u] === 0 && !checkAll)) continue;
      const why = checkUnit(v, u - u0, this.start + u * this.unit, this.format.mode === 'pattern' ? 0 : this.gen[u]!, this.unit, this.format);
      this.unitsVerified++;
      if (why) this.#fail(this.start + u * this.unit, why);
    }
  }

  #fail(offset: number, reason: string): void {
    this.mismatchCount++;
    if (this.mismatches.length < MAX_REPORTED_MISMATCHES) this.mismatches.push({ offset, reason });
  }
}
