// The nvme driver's mapping plan: one command when PRPs (or an SGL) can carry the request within
// MDTS and the segment limit; split at PRP gaps and at MDTS, keeping whole logical blocks and
// expressible pieces; bounce when no such split exists.
import { describe, expect, it } from 'vitest';
import { NvmeMapPlan, nvmeMapPlan, nvmePrpExpressible } from '@biopath/nvme';
import type { NvmeMapLimits } from '@biopath/nvme';

const P = 4096;
const B = 2 ** 40;
const lim = (over: Partial<NvmeMapLimits> = {}): NvmeMapLimits => ({ lbaSize: 512, maxBytes: 128 * 1024, maxSegs: 32, sgl: 'none', ...over });

function plan(segs: [number, number][], l: NvmeMapLimits, maxChunks = 8) {
  const iova = Float64Array.from(segs.map((s) => s[0]));
  const len = Uint32Array.from(segs.map((s) => s[1]));
  const p = new NvmeMapPlan(maxChunks);
  const n = nvmeMapPlan(iova, len, segs.length, l, p);
  const chunks = Array.from({ length: Math.max(n, 0) }, (_, k) => [p.seg[k], p.off[k], p.bytes[k], p.nsegs[k]]);
  return { n, bounce: p.bounce, sgl: p.sgl, chunks, iova, len };
}

/** Chunks as segment pieces, to check each one is PRP-expressible. */
function piecesOf(r: ReturnType<typeof plan>, k: number): [Float64Array, Uint32Array] {
  const [seg0, off0, bytes] = r.chunks[k]!;
  const iv: number[] = [], ln: number[] = [];
  let seg = seg0!, off = off0!, left = bytes!;
  while (left > 0) {
    const take = Math.min(left, r.len[seg]! - off);
    iv.push(r.iova[seg]! + off); ln.push(take);
    left -= take; seg++; off = 0;
  }
  return [Float64Array.from(iv), Uint32Array.from(ln)];
}

describe('one command', () => {
  it('a PRP-valid request within MDTS is one command over all its segments', () => {
    const r = plan([[B + 0x200, P - 0x200], [B + 8 * P, 2 * P], [B + 20 * P, 0x200]], lim());
    expect(r).toMatchObject({ n: 1, bounce: false, sgl: false, chunks: [[0, 0, 3 * P, 3]] });
  });

  it('a request with gaps is one SGL command when the controller takes SGLs', () => {
    const r = plan([[B, 0x200], [B + 8 * P + 0x200, 0x200]], lim({ sgl: 'byte' }));
    expect(r).toMatchObject({ n: 1, sgl: true, bounce: false });
  });
});

describe('split', () => {
  it('at a PRP gap that falls on a logical block boundary', () => {
    const r = plan([[B, 0x400], [B + 8 * P + 0x200, 0x600]], lim());
    expect(r).toMatchObject({ n: 2, bounce: false, chunks: [[0, 0, 0x400, 1], [1, 0, 0x600, 1]] });
  });

  it('at MDTS, inside a segment, each piece expressible and a whole number of blocks', () => {
    const r = plan([[B + 0x800, 300 * 1024]], lim());
    expect(r.n).toBe(3);
    expect(r.chunks.map((c) => c[2])).toEqual([128 * 1024, 128 * 1024, 44 * 1024]);
    for (let k = 0; k < r.n; k++) expect(nvmePrpExpressible(...piecesOf(r, k), 1)).toBe(true);
  });

  it('at the segment limit', () => {
    const segs: [number, number][] = Array.from({ length: 10 }, (_, i) => [B + i * 2 * P, P]);
    const r = plan(segs, lim({ maxSegs: 4 }));
    expect(r.chunks.map((c) => c[3])).toEqual([4, 4, 2]);
  });

  it('every chunk of a mixed layout is PRP-expressible and the chunks tile the request', () => {
    const segs: [number, number][] = [[B + 0xe00, 0x200], [B + 5 * P, 40 * P], [B + 50 * P, 0x600], [B + 60 * P + 0x400, 0x400]];
    const r = plan(segs, lim({ maxBytes: 64 * 1024 }));
    expect(r.bounce).toBe(false);
    expect(r.chunks.reduce((t, c) => t + c[2]!, 0)).toBe(0x200 + 40 * P + 0x600 + 0x400);
    for (let k = 0; k < r.n; k++) {
      const [iv, ln] = piecesOf(r, k);
      expect(nvmePrpExpressible(iv, ln, iv.length)).toBe(true);
      expect(r.chunks[k]![2]! % 512).toBe(0);
    }
  });
});

describe('bounce', () => {
  it('when the only split point would cut a logical block', () => {
    const r = plan([[B, 0x300], [B + 8 * P, 0x100]], lim());
    expect(r).toMatchObject({ n: 1, bounce: true, chunks: [[-1, 0, 0x400, 1]] });
  });

  it('when the first address is not dword aligned', () => {
    expect(plan([[B + 2, 512]], lim()).bounce).toBe(true);
  });

  it('when more commands would be needed than the plan holds', () => {
    const segs: [number, number][] = Array.from({ length: 6 }, (_, i) => [B + i * 3 * P, 0x200]);
    expect(plan(segs, lim(), 4)).toMatchObject({ bounce: true, n: 1 });
  });

  it('an SGL controller with dword alignment still bounces byte-aligned gaps', () => {
    expect(plan([[B, 0x202], [B + 8 * P + 1, 0x1fe]], lim({ sgl: 'dword' })).bounce).toBe(true);
  });
});
