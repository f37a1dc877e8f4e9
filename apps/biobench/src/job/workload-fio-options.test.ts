import { describe, expect, it } from 'vitest';
import { IoU } from '../engine/io-unit.ts';
import { bsPair, bssplit, distribution, pattern, percentileList, ratePair, sizeOrPercent, usec } from '../options/kinds-fio.ts';
import { fillPattern } from './buffers.ts';
import { Workload } from './workload.ts';
import type { WorkloadSpec } from './workload.ts';

const UNITS = 1000;
const spec = (o: Partial<WorkloadSpec>): WorkloadSpec => ({ rw: 'randread', rwmixread: 50, bsMin: 4096, bsMax: 4096, start: 0, size: UNITS * 4096, sizeBased: true, seed: 5, ...o });

/** Offsets (in blocks) of the first `n` IOs (time based: the workload never ends). */
function draws(w: Workload, n: number): number[] {
  const io = new IoU(0);
  expect(w.spec.sizeBased).toBe(false);
  return Array.from({ length: n }, () => (w.next(io), io.offset / 4096));
}

/** Share of the draws that fall on the `top` most drawn blocks. */
function hotShare(xs: number[], top: number): number {
  const c = new Map<number, number>();
  for (const x of xs) c.set(x, (c.get(x) ?? 0) + 1);
  return [...c.values()].sort((a, b) => b - a).slice(0, top).reduce((a, b) => a + b, 0) / xs.length;
}

describe('fio workload options', () => {
  it('random_distribution zipf and pareto concentrate IO on few blocks; random with the map spreads it evenly', () => {
    const uniform = draws(new Workload(spec({ sizeBased: false })), 10 * UNITS);
    expect(hotShare(uniform, 10)).toBeCloseTo(0.01, 5); // a permutation: every block exactly 10 times
    const zipf = draws(new Workload(spec({ sizeBased: false, distribution: distribution.parse('zipf:1.2') })), 10 * UNITS);
    expect(hotShare(zipf, 10)).toBeGreaterThan(0.3);
    const pareto = draws(new Workload(spec({ sizeBased: false, distribution: distribution.parse('pareto:0.9') })), 10 * UNITS);
    expect(hotShare(pareto, 100)).toBeGreaterThan(0.5);
    for (const xs of [zipf, pareto]) expect(Math.max(...xs)).toBeLessThan(UNITS);
    expect(Math.min(...zipf)).toBeGreaterThanOrEqual(0);
  });

  it('normal:σ centres offsets on the middle of the region with σ in % of it', () => {
    const xs = draws(new Workload(spec({ sizeBased: false, distribution: distribution.parse('normal:10') })), 20_000);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - UNITS / 2)).toBeLessThan(UNITS * 0.02);
    expect(sd).toBeGreaterThan(UNITS * 0.08);
    expect(sd).toBeLessThan(UNITS * 0.12);
  });

  it('norandommap picks offsets independently: a pass repeats some blocks and misses others', () => {
    const xs = draws(new Workload(spec({ sizeBased: false, norandommap: true })), UNITS);
    expect(new Set(xs).size).toBeLessThan(UNITS * 0.9);
  });

  it('bs=r,w gives each direction its own size, and bssplit splits sizes by share', () => {
    const bs = bsPair.parse('4k,64k');
    const w = new Workload(spec({ rw: 'randrw', bsMin: bs.min, bsMax: bs.max, sizeBased: false, dirBs: [{ ...bs.read, split: null }, { ...bs.write, split: null }] }));
    const io = new IoU(0);
    for (let i = 0; i < 500; i++) {
      w.next(io);
      expect(io.buflen).toBe(io.ddir === 0 ? 4096 : 65536);
    }
    const split = bssplit.parse('4k/25:16k/75');
    const ws = new Workload(spec({ bsMin: 4096, bsMax: 16384, sizeBased: false, dirBs: [{ min: 4096, max: 16384, split: split.read }, { min: 4096, max: 16384, split: split.write }] }));
    let small = 0;
    for (let i = 0; i < 4000; i++) {
      ws.next(io);
      expect([4096, 16384]).toContain(io.buflen);
      if (io.buflen === 4096) small++;
    }
    expect(small / 4000).toBeGreaterThan(0.2);
    expect(small / 4000).toBeLessThan(0.3);
  });

  it('loops repeat a size-based region', () => {
    const io = new IoU(0);
    const w = new Workload(spec({ rw: 'read', loops: 3 }));
    let n = 0;
    while (w.next(io)) n++;
    expect(n).toBe(3 * UNITS);
  });

  it('parses fio\'s value forms and refuses what biobench lacks by name', () => {
    expect(bsPair.parse(',8k')).toMatchObject({ read: { min: 4096 }, write: { min: 8192 } });
    expect(() => bsPair.parse('4k,4k,4k')).toThrow(/trim block size/);
    expect(ratePair('bytes').parse(',1m')).toEqual({ read: 0, write: 1 << 20 });
    expect(ratePair('ios').show({ read: 100, write: 0 })).toBe('100,');
    expect(bssplit.parse('4k/10:8k:16k').read.map((e) => e.pct)).toEqual([10, 45, 45]);
    expect(() => bssplit.parse('4k/60:8k/60')).toThrow(/more than 100/);
    expect(() => distribution.parse('zipf:1.2:0.5')).toThrow(/centre/);
    expect(() => distribution.parse('pareto:2')).toThrow(/random_distribution/);
    expect([...pattern.parse('0xdeadbeef').bytes]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect([...pattern.parse('"ab"').bytes]).toEqual([97, 98]);
    expect(() => pattern.parse('%o')).toThrow(/%o/);
    expect(percentileList.parse('50:99.9')).toEqual([50, 99.9]);
    expect(sizeOrPercent.parse('50%')).toEqual({ pct: 50 });
    expect(usec.parse('10')).toBe(10);
    expect(usec.parse('2ms')).toBe(2000);
  });

  it('buffer_pattern fills a buffer with the pattern repeated', () => {
    const b = new Uint8Array(11);
    fillPattern(b, Uint8Array.from([1, 2, 3]));
    expect([...b]).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2]);
  });
});
