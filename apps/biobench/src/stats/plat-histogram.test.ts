import { describe, expect, it } from 'vitest';
import { PLAT_NR, PlatHistogram, platIdxToVal, platValToIdx } from './plat-histogram.ts';

describe("fio's latency histogram", () => {
  it('is exact below 128 ns and within 1/64 above, like stat.c', () => {
    for (const v of [0, 1, 63, 127]) expect(platIdxToVal(platValToIdx(v))).toBe(v);
    for (const v of [128, 1000, 123_456, 9_999_999, 4_000_000_000, 8e9]) {
      const back = platIdxToVal(platValToIdx(v));
      expect(Math.abs(back - v) / v).toBeLessThanOrEqual(1 / 64);
    }
    expect(platValToIdx(1e15)).toBe(PLAT_NR - 1);
  });

  it('computes percentiles as fio does: the first bucket reaching p% of samples', () => {
    const h = new PlatHistogram();
    for (let i = 1; i <= 100; i++) h.add(i * 1000);
    const [p50, p99, p100] = h.percentiles([50, 99, 100]);
    expect(Math.abs(p50! - 50_000) / 50_000).toBeLessThan(0.02);
    expect(Math.abs(p99! - 99_000) / 99_000).toBeLessThan(0.02);
    expect(p100).toBeGreaterThanOrEqual(p99!);
    expect(Object.keys(h.percentileObject())[0]).toBe('1.000000');
    expect(Object.values(h.binsObject()).reduce((a, b) => a + b, 0)).toBe(100);
    expect(h.fractionBelow(50_500)).toBeCloseTo(0.5, 1);
  });
});
