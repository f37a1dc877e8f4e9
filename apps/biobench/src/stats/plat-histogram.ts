/**
 * fio's latency histogram (stat.h FIO_IO_U_PLAT_*): 29 groups of 64 buckets, exact below 128 ns,
 * then 64 buckets per power of two (≤ 1/64 ≈ 1.6 % relative error), up to ~17 s. Recording is
 * O(1) with no allocation; percentiles are computed exactly as fio does (the bucket's midpoint),
 * and `bins` reproduces fio's json+ `clat_ns.bins`.
 */
export const PLAT_BITS = 6;
export const PLAT_VAL = 1 << PLAT_BITS;
export const PLAT_GROUP_NR = 29;
export const PLAT_NR = PLAT_GROUP_NR * PLAT_VAL;

/** fio's default percentile list (stat.c). */
export const FIO_PERCENTILES = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99] as const;

const TWO32 = 4294967296;

/** Index of the most significant set bit of a non-negative integer below 2^53. */
function msb(v: number): number {
  return v >= TWO32 ? 63 - Math.clz32(Math.floor(v / TWO32)) : 31 - Math.clz32(v);
}

/** stat.c plat_val_to_idx(). */
export function platValToIdx(v: number): number {
  if (v < PLAT_VAL * 2) return v < 0 ? 0 : v;
  const errorBits = msb(v) - PLAT_BITS;
  const base = (errorBits + 1) << PLAT_BITS;
  const offset = Math.floor(v / 2 ** errorBits) & (PLAT_VAL - 1);
  const idx = base + offset;
  return idx >= PLAT_NR ? PLAT_NR - 1 : idx;
}

/** stat.c plat_idx_to_val(): the midpoint of bucket `idx`. */
export function platIdxToVal(idx: number): number {
  if (idx < PLAT_VAL * 2) return idx;
  const errorBits = (idx >> PLAT_BITS) - 1;
  const base = 2 ** (errorBits + PLAT_BITS);
  const k = idx % PLAT_VAL;
  return Math.floor(base + (k + 0.5) * 2 ** errorBits);
}

export class PlatHistogram {
  readonly bins = new Float64Array(PLAT_NR);
  total = 0;

  /** Record a latency in ns (rounded down to an integer). */
  add(ns: number): void {
    this.bins[platValToIdx(Math.floor(ns))]!++;
    this.total++;
  }

  reset(): void {
    this.bins.fill(0);
    this.total = 0;
  }

  merge(o: PlatHistogram): void {
    for (let i = 0; i < PLAT_NR; i++) this.bins[i]! += o.bins[i]!;
    this.total += o.total;
  }

  /** Value at each percentile, as stat.c calc_clat_percentiles() computes it. */
  percentiles(list: readonly number[] = FIO_PERCENTILES): number[] {
    const out = new Array<number>(list.length).fill(0);
    if (this.total === 0) return out;
    const sorted = list.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
    let sum = 0, j = 0;
    for (let idx = 0; idx < PLAT_NR && j < sorted.length; idx++) {
      sum += this.bins[idx]!;
      while (j < sorted.length && sum >= (sorted[j]!.p / 100) * this.total) {
        out[sorted[j]!.i] = platIdxToVal(idx);
        j++;
      }
    }
    return out;
  }

  /** fio's `percentile` object: keys with six decimals ("99.900000"). */
  percentileObject(list: readonly number[] = FIO_PERCENTILES): Record<string, number> {
    const vals = this.percentiles(list);
    return Object.fromEntries(list.map((p, i) => [p.toFixed(6), vals[i]!]));
  }

  /** fio json+ `bins`: bucket value (ns) → count, non-empty buckets only. */
  binsObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < PLAT_NR; i++) if (this.bins[i]! > 0) out[String(platIdxToVal(i))] = this.bins[i]!;
    return out;
  }

  /** Fraction of samples at or below `ns` (bucket resolution). */
  fractionBelow(ns: number): number {
    if (this.total === 0) return 0;
    const last = platValToIdx(Math.floor(ns));
    let sum = 0;
    for (let i = 0; i <= last; i++) sum += this.bins[i]!;
    return sum / this.total;
  }
}
