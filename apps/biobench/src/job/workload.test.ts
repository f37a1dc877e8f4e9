import { describe, expect, it } from 'vitest';
import { IoU } from '../engine/io-unit.ts';
import { Permutation } from './prng.ts';
import { Workload } from './workload.ts';
import type { WorkloadSpec } from './workload.ts';

const spec = (o: Partial<WorkloadSpec>): WorkloadSpec => ({ rw: 'randread', rwmixread: 50, bsMin: 4096, bsMax: 4096, start: 8192, size: 1 << 20, sizeBased: true, seed: 3, ...o });

function drain(w: Workload): IoU[] {
  const out: IoU[] = [];
  for (let i = 0; i < 100_000; i++) {
    const io = new IoU(0);
    if (!w.next(io)) break;
    out.push(io);
  }
  return out;
}

describe('workload', () => {
  it('a permutation visits every index once per pass, for awkward sizes too', () => {
    for (const n of [1, 2, 3, 255, 256, 1000, 4097]) {
      const p = new Permutation(n, n * 7);
      const seen = new Set(Array.from({ length: n }, () => p.next()));
      expect(seen.size).toBe(n);
      expect(Math.max(...seen)).toBe(n - 1);
    }
  });

  it('size-based random IO covers every block of the region exactly once', () => {
    const ios = drain(new Workload(spec({})));
    expect(ios.length).toBe(256);
    expect(new Set(ios.map((i) => i.offset)).size).toBe(256);
    expect(Math.min(...ios.map((i) => i.offset))).toBe(8192);
    expect(ios.some((io, k) => k > 0 && io.offset < ios[k - 1]!.offset)).toBe(true); // not sequential
  });

  it('sequential IO walks the region in order; ranges stay aligned, inside the region and within bs', () => {
    const seq = drain(new Workload(spec({ rw: 'read' })));
    expect(seq.map((i) => i.offset)).toEqual(Array.from({ length: 256 }, (_, k) => 8192 + k * 4096));
    const ranged = drain(new Workload(spec({ rw: 'randwrite', bsMin: 4096, bsMax: 65536 })));
    for (const io of ranged) {
      expect(io.ddir).toBe(1);
      expect(io.offset % 4096).toBe(0);
      expect(io.buflen % 4096).toBe(0);
      expect(io.buflen).toBeLessThanOrEqual(65536);
      expect(io.offset + io.buflen).toBeLessThanOrEqual(8192 + (1 << 20));
    }
    expect(new Set(ranged.map((i) => i.buflen)).size).toBeGreaterThan(4);
  });

  it('mixes reads and writes by rwmixread and repeats exactly for the same seed', () => {
    const a = drain(new Workload(spec({ rw: 'randrw', rwmixread: 75, size: 16 << 20 })));
    const reads = a.filter((i) => i.ddir === 0).length / a.length;
    expect(reads).toBeGreaterThan(0.7);
    expect(reads).toBeLessThan(0.8);
    const b = drain(new Workload(spec({ rw: 'randrw', rwmixread: 75, size: 16 << 20 })));
    expect(b.map((i) => i.offset + i.ddir)).toEqual(a.map((i) => i.offset + i.ddir));
  });
});
