// SGL descriptors (NVMe base spec §4.3.2): a Data Block descriptor for one segment, a Last Segment
// descriptor to a list for several, Segment descriptors chaining list pages; PSDT 01b.
import { describe, expect, it } from 'vitest';
import {
  nvmeCommandAlloc, nvmeCommandWrite, nvmePciSetupSgls, nvmeSglListPages, NVME_SGES_PER_PAGE, SGL_ERR_ALIGN,
  SGL_ERR_LIST_FULL,
} from '@biopath/nvme';
import type { PrpListArea } from '@biopath/nvme';

const BASE = 2 ** 40 * 2;
const LIST = 2 ** 40 * 7;

function run(segs: [number, number][], pages = 2, dword = false) {
  const cmd = nvmeCommandAlloc();
  const a: PrpListArea = { iova: LIST, u32: new Uint32Array(pages * 1024), w: 0, nrPages: pages };
  const rc = nvmePciSetupSgls(cmd, Float64Array.from(segs.map((s) => s[0])), Uint32Array.from(segs.map((s) => s[1])), segs.length, a, dword);
  const sqe = Buffer.alloc(64);
  nvmeCommandWrite(cmd, sqe, 0);
  const list = Buffer.from(a.u32.buffer);
  const desc = (b: Buffer, at: number) => ({ addr: Number(b.readBigUInt64LE(at)), len: b.readUInt32LE(at + 8), id: b[at + 15] });
  return { rc, sqe, sgl1: desc(sqe, 24), list: (i: number) => desc(list, i * 16) };
}

describe('SGL construction', () => {
  it('one segment: Data Block descriptor (identifier 00h) in SGL1, PSDT 01b, any alignment', () => {
    const r = run([[BASE + 3, 1001]]);
    expect(r.rc).toBe(0);
    expect(r.sqe[1]! >> 6).toBe(1);
    expect(r.sgl1).toEqual({ addr: BASE + 3, len: 1001, id: 0x00 });
  });

  it('several segments, gaps allowed: SGL1 is a Last Segment descriptor (30h) to a list of Data Blocks', () => {
    const r = run([[BASE + 0x10, 0x100], [BASE + 0x5008, 0x2000], [BASE + 0x9000, 0x44]]);
    expect(r.rc).toBe(1);
    expect(r.sgl1).toEqual({ addr: LIST, len: 48, id: 0x30 });
    expect([r.list(0), r.list(1), r.list(2)]).toEqual([
      { addr: BASE + 0x10, len: 0x100, id: 0 }, { addr: BASE + 0x5008, len: 0x2000, id: 0 }, { addr: BASE + 0x9000, len: 0x44, id: 0 }]);
  });

  it('more than a page of descriptors: a Segment descriptor (20h) in SGL1, the last slot chains with Last Segment', () => {
    const n = NVME_SGES_PER_PAGE + 10;
    const segs: [number, number][] = Array.from({ length: n }, (_, i) => [BASE + i * 8192, 512]);
    const r = run(segs);
    expect(r.rc).toBe(2);
    expect(r.sgl1).toEqual({ addr: LIST, len: NVME_SGES_PER_PAGE * 16, id: 0x20 });
    expect(r.list(NVME_SGES_PER_PAGE - 2)).toEqual({ addr: BASE + (NVME_SGES_PER_PAGE - 2) * 8192, len: 512, id: 0 });
    const remaining = n - (NVME_SGES_PER_PAGE - 1);
    expect(r.list(NVME_SGES_PER_PAGE - 1)).toEqual({ addr: LIST + 4096, len: remaining * 16, id: 0x30 });
    expect(r.list(NVME_SGES_PER_PAGE)).toEqual({ addr: BASE + (NVME_SGES_PER_PAGE - 1) * 8192, len: 512, id: 0 });
    expect(nvmeSglListPages(NVME_SGES_PER_PAGE)).toBe(1);
    expect(nvmeSglListPages(NVME_SGES_PER_PAGE + 1)).toBe(2);
  });

  it('dword-aligned SGL support refuses odd addresses or lengths; a short list area is refused', () => {
    expect(run([[BASE + 2, 512]], 1, true).rc).toBe(SGL_ERR_ALIGN);
    expect(run([[BASE, 510]], 1, true).rc).toBe(SGL_ERR_ALIGN);
    const many: [number, number][] = Array.from({ length: NVME_SGES_PER_PAGE + 1 }, (_, i) => [BASE + i * 4096, 512]);
    expect(run(many, 1).rc).toBe(SGL_ERR_LIST_FULL);
  });
});
