// PRP entries and PRP lists follow NVMe base spec §4.3.1: first-entry offset, page-boundary rules,
// list chaining; and segments that break the rules are refused, never encoded wrong.
import { describe, expect, it } from 'vitest';
import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import {
  nvmeCommandAlloc, nvmeGet64, nvmePciSetupPrps, nvmePrpListEntry, nvmePrpListPages, prpResultAlloc, NVME_PRPS_PER_PAGE,
  PRP_ERR_ALIGN, PRP_ERR_GAP, PRP_ERR_LIST_FULL, nvmeFlags,
} from '@biopath/nvme';
import type { PrpListArea } from '@biopath/nvme';

const P = 4096;
const BASE = 2 ** 40 * 3; // an arena-style IOVA (region 3)
const LIST = 2 ** 40 * 9;

function area(pages: number): PrpListArea {
  return { iova: LIST, u32: new Uint32Array(pages * 1024), w: 0, nrPages: pages };
}

function build(segs: [number, number][], pages = 4) {
  const iova = Float64Array.from(segs.map((s) => s[0]));
  const len = Uint32Array.from(segs.map((s) => s[1]));
  const cmd = nvmeCommandAlloc();
  const res = prpResultAlloc();
  const a = area(pages);
  const rc = nvmePciSetupPrps(cmd, iova, len, segs.length, a, res);
  return { rc, res, cmd, a, prp1: nvmeGet64(cmd, 6), prp2: nvmeGet64(cmd, 8) };
}

describe('PRP1/PRP2 without a list', () => {
  it('data inside one page: PRP1 keeps the offset, PRP2 is 0', () => {
    const b = build([[BASE + 0x200, 0x200]]);
    expect([b.rc, b.prp1, b.prp2, b.res.nprps, b.res.nlists]).toEqual([0, BASE + 0x200, 0, 1, 0]);
    expect(nvmeFlags(b.cmd) & 0xc0).toBe(0); // PSDT 00b: PRPs
  });

  it('crossing one page boundary: PRP2 is the next page (offset 0)', () => {
    const b = build([[BASE + 0xe00, 0x400]]);
    expect([b.prp1, b.prp2, b.res.nprps]).toEqual([BASE + 0xe00, BASE + P, 2]);
  });

  it('exactly two whole pages from offset 0: PRP2 is the second page, no list', () => {
    const b = build([[BASE, 2 * P]]);
    expect([b.prp2, b.res.nlists]).toEqual([BASE + P, 0]);
  });

  it('two segments meeting at a page boundary: PRP2 is the second segment', () => {
    const b = build([[BASE + 0x800, 0x800], [BASE + 10 * P, 0x200]]);
    expect([b.rc, b.prp1, b.prp2]).toEqual([0, BASE + 0x800, BASE + 10 * P]);
  });
});

describe('PRP lists', () => {
  it('three pages: PRP2 points to a list of the 2nd and 3rd page', () => {
    const b = build([[BASE + 0x10, 2 * P + 0x100]]);
    expect([b.rc, b.prp2, b.res.nprps, b.res.nlists]).toEqual([0, LIST, 3, 1]);
    expect([nvmePrpListEntry(b.a, 0, 0), nvmePrpListEntry(b.a, 0, 1)]).toEqual([BASE + P, BASE + 2 * P]);
  });

  it('list entries follow segments across non-contiguous pages', () => {
    const b = build([[BASE + 0xc00, 0x400], [BASE + 7 * P, 2 * P], [BASE + 3 * P, 0x10]]);
    expect(b.rc).toBe(0);
    expect([0, 1, 2].map((i) => nvmePrpListEntry(b.a, 0, i))).toEqual([BASE + 7 * P, BASE + 8 * P, BASE + 3 * P]);
  });

  it('a full list page chains: its last slot points to the next page, whose first entry is the displaced one', () => {
    // PRP1 + 513 list entries: page 0 holds 511 entries + pointer, page 1 holds entries 511 and 512.
    const b = build([[BASE, 514 * P]], 2);
    expect([b.rc, b.res.nlists, b.res.nprps]).toEqual([0, 2, 514]);
    expect(nvmePrpListEntry(b.a, 0, 0)).toBe(BASE + P);
    expect(nvmePrpListEntry(b.a, 0, NVME_PRPS_PER_PAGE - 2)).toBe(BASE + 511 * P);
    expect(nvmePrpListEntry(b.a, 0, NVME_PRPS_PER_PAGE - 1)).toBe(LIST + P); // chain pointer
    expect([nvmePrpListEntry(b.a, 1, 0), nvmePrpListEntry(b.a, 1, 1)]).toEqual([BASE + 512 * P, BASE + 513 * P]);
  });

  it('exactly one full page of entries needs no chain', () => {
    const b = build([[BASE, 513 * P]], 1);
    expect([b.rc, b.res.nlists]).toEqual([0, 1]);
    expect(nvmePrpListEntry(b.a, 0, NVME_PRPS_PER_PAGE - 1)).toBe(BASE + 512 * P);
  });

  it('list pages needed: 512 entries per page, 511 when chained', () => {
    expect([1, 512, 513, 1022, 1023, 1024].map(nvmePrpListPages)).toEqual([1, 1, 2, 2, 2, 3]);
  });
});

describe('what PRPs cannot express is refused, and the command is left unchanged', () => {
  it.each([
    ['first segment ends inside a page', [[BASE, 0x800], [BASE + 4 * P, P]], PRP_ERR_GAP, 1],
    ['later segment starts inside a page', [[BASE, P], [BASE + 4 * P + 0x200, 0x200]], PRP_ERR_GAP, 1],
    ['middle segment ends inside a page', [[BASE, P], [BASE + 2 * P, 0x200], [BASE + 5 * P, P]], PRP_ERR_GAP, 2],
    ['PRP1 not dword aligned', [[BASE + 2, 0x200]], PRP_ERR_ALIGN, 0],
  ] as [string, [number, number][], number, number][])('%s', (_name, segs, err, bad) => {
    const b = build(segs);
    expect(b.rc).toBe(err);
    expect(b.res.badSeg).toBe(bad);
    expect([b.prp1, b.prp2]).toEqual([0, 0]);
  });

  it('too few list pages', () => {
    expect(build([[BASE, 600 * P]], 1).rc).toBe(PRP_ERR_LIST_FULL);
  });
});

/** Pages named by PRP1, PRP2/list: the memory a controller would transfer, as [pageAddr, from, to) spans. */
function prpSpans(b: ReturnType<typeof build>, total: number): string[] {
  const addrs = [b.prp1];
  if (b.res.nprps === 2) addrs.push(b.prp2);
  else if (b.res.nprps > 2) {
    let page = 0, slot = 0;
    for (let k = 1; k < b.res.nprps; k++) {
      if (slot === NVME_PRPS_PER_PAGE - 1 && k < b.res.nprps - 1) { page++; slot = 0; }
      addrs.push(nvmePrpListEntry(b.a, page, slot++));
    }
  }
  const out: string[] = [];
  let left = total;
  for (const a of addrs) {
    const n = Math.min(left, P - (a % P));
    out.push(`${a}+${n}`);
    left -= n;
  }
  return out;
}

function segSpans(segs: [number, number][]): string[] {
  const out: string[] = [];
  for (const [a, l] of segs) {
    for (let at = a; at < a + l;) {
      const n = Math.min(a + l - at, P - (at % P));
      out.push(`${at}+${n}`);
      at += n;
    }
  }
  return out;
}

describe('property: PRPs describe exactly the segments\' bytes, in order', () => {
  it('for any PRP-valid layout', () => {
    const layoutArb = fc.record({
      firstOff: fc.integer({ min: 0, max: P / 4 - 1 }).map((x) => x * 4),
      middle: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 6 }),
      lastLen: fc.integer({ min: 1, max: 3 * P }).map((x) => x * 4),
      firstPages: fc.integer({ min: 0, max: 20 }),
    });
    fc.assert(fc.property(layoutArb, ({ firstOff, middle, lastLen, firstPages }) => {
      const segs: [number, number][] = [];
      let page = 100;
      segs.push([BASE + page * P + firstOff, P - firstOff + firstPages * P]);
      page += firstPages + 5;
      for (const m of middle) { segs.push([BASE + page * P, m * P]); page += m + 3; }
      segs.push([BASE + page * P, lastLen]);
      const total = segs.reduce((t, s) => t + s[1], 0);
      const b = build(segs, 8);
      expect(b.rc).toBe(0);
      expect(prpSpans(b, total)).toEqual(segSpans(segs));
    }), propertyParams({ numRuns: 200 }));
  });
});
