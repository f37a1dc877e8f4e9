/**
 * Our port of the extraction cases of the kernel's iov_iter KUnit suite (lib/tests/kunit_iov_iter.c:
 * iov_kunit_extract_pages_{kvec,bvec,xarray,folioq}): a 1 MiB buffer of frames, an iterator over a
 * fixed list of ranges of it, and repeated extractions of at most 100 KiB / 8 pages, each page of
 * which must be the frame behind the next byte of the ranges at the right offset. The same walk is
 * run through extract_iter_to_sg() (8 entries per call), whose entries must name the same bytes.
 * The KUnit file's range tables are data; the checking is ours.
 */
import {
  kernelWrite, PAGE_SIZE, type MemMap, vmalloc, vmallocToPage, vfree, allocPages, putPage,
} from '@biopath/mm';
import {
  createFolioQueue, createIovIter, createXArray, extractIterToSg, folioqAppend, folioqAppendSegment, folioqFull,
  iovIterAdvance, iovIterBvec, iovIterExtractPages, iovIterFolioq, iovIterKvec, iovIterXarray, ITER_DEST,
  type IovIter, sgInitTable, xaStore,
} from '../../src/index.ts';

export const KUNIT_BUFSIZE = 0x100000;
const BUF_PAGES = KUNIT_BUFSIZE / PAGE_SIZE;

/** Byte ranges [from, to) of the buffer (kvec_test_ranges). */
export const KVEC_RANGES: readonly (readonly [number, number])[] = [
  [0x00002, 0x00002], [0x00027, 0x03000], [0x05193, 0x18794], [0x20000, 0x20000], [0x20000, 0x24000],
  [0x24000, 0x27001], [0x29000, 0xffffb], [0xffffd, 0xffffe],
];

/** (page, from, to) within one page each (bvec_test_ranges). */
export const BVEC_RANGES: readonly (readonly [number, number, number])[] = [
  [0, 0x0002, 0x0002], [1, 0x0027, 0x0893], [2, 0x0193, 0x0794], [3, 0x0000, 0x1000], [4, 0x0000, 0x1000],
  [5, 0x0000, 0x1000], [6, 0x0000, 0x0ffb], [6, 0x0ffd, 0x0ffe],
];

export type KunitType = 'kvec' | 'bvec' | 'xarray' | 'folioq';
export type ExtractMode = 'extract_pages' | 'extract_iter_to_sg';

/** A piece of extracted memory as (frame, offset in it, length), never crossing a frame. */
type Chunk = [pfn: number, off: number, len: number];

/** Walks the expected ranges and reports the first disagreement. */
class Cursor {
  private r = 0;
  private pos: number;
  readonly problems: string[] = [];
  constructor(private readonly ranges: readonly (readonly [number, number])[], private readonly pfnOf: (pos: number) => number) {
    this.pos = ranges[0]![0];
    this.skipEmpty();
  }

  private skipEmpty(): void {
    while (this.r < this.ranges.length && this.pos >= this.ranges[this.r]![1]) {
      this.r++;
      if (this.r < this.ranges.length) this.pos = this.ranges[this.r]![0];
    }
  }

  /** Consume one chunk; it may cover the end of one range and the start of the next only at a page edge. */
  take([pfn, off, len]: Chunk): void {
    let o = off;
    while (len > 0) {
      if (this.r >= this.ranges.length) { this.problems.push(`chunk past the last range (pfn ${pfn})`); return; }
      const want = this.pfnOf(this.pos);
      if (want !== pfn || this.pos % PAGE_SIZE !== o) {
        this.problems.push(`at buffer offset 0x${this.pos.toString(16)}: got pfn ${pfn}+0x${o.toString(16)}, want pfn ${want}+0x${(this.pos % PAGE_SIZE).toString(16)}`);
        return;
      }
      const part = Math.min(len, this.ranges[this.r]![1] - this.pos);
      this.pos += part;
      o += part;
      len -= part;
      this.skipEmpty();
    }
  }

  done(): boolean {
    return this.r >= this.ranges.length;
  }
}

/** Run the extraction loop over `i`, feeding each chunk to `cur`. Returns the problems. */
function drain(mem: MemMap, i: IovIter, mode: ExtractMode, cur: Cursor): string[] {
  const pages = { pages: new Int32Array(8) };
  const res = { bytes: 0, offset0: 0 };
  const sgt = sgInitTable(8);
  for (let guard = 0; guard < 10_000 && cur.problems.length === 0; guard++) {
    if (mode === 'extract_pages') {
      iovIterExtractPages(i, pages, 100 * 1024, 8, 0, res);
      if (res.bytes <= 0) break;
      let off = res.offset0;
      let left = res.bytes;
      for (let k = 0; left > 0; k++) {
        const part = Math.min(PAGE_SIZE - off, left);
        cur.take([pages.pages[k]!, off, part]);
        left -= part;
        off = 0;
      }
    } else {
      sgt.nents = sgt.orig_nents = 0;
      const n = extractIterToSg(i, 100 * 1024, sgt, 8);
      if (n <= 0) break;
      for (let k = 0; k < sgt.nents; k++) {
        const sg = sgt.sgl[k]!;
        // an entry may span the pages of a folio (bvec, xarray, folioq): split it at frame edges
        let pfn = sg.page + Math.floor(sg.offset / PAGE_SIZE);
        let off = sg.offset % PAGE_SIZE;
        let left = sg.length;
        while (left > 0) {
          const part = Math.min(PAGE_SIZE - off, left);
          cur.take([pfn++, off, part]);
          left -= part;
          off = 0;
        }
      }
    }
  }
  const out = [...cur.problems];
  if (out.length === 0 && i.count !== 0) out.push(`${i.count} bytes left in the iterator`);
  if (out.length === 0 && !cur.done()) out.push('ranges not all extracted');
  return out;
}

/** 256 separate order-0 frames; returned so the caller can put them. */
function bufferFrames(mem: MemMap): number[] {
  const out: number[] = [];
  for (let k = 0; k < BUF_PAGES; k++) {
    const pfn = allocPages(mem, 0);
    if (pfn < 0) throw new Error(`kunit port: out of frames (${pfn})`);
    mem.bytes.fill((k * 13 + 1) & 0xff, pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
    out.push(pfn);
  }
  return out;
}

/**
 * One KUnit extraction case on `mem` (profile v8, merged or current; folioq: current only).
 * Returns the problems found (empty = the case passes). Everything it allocates is freed.
 */
export function runKunitExtractCase(mem: MemMap, type: KunitType, mode: ExtractMode): string[] {
  const problems: string[] = [];
  if (type === 'kvec') {
    const k = vmalloc(mem, KUNIT_BUFSIZE);
    try {
      const data = new Uint8Array(KUNIT_BUFSIZE);
      for (let p = 0; p < BUF_PAGES; p++) data.fill((p * 13 + 1) & 0xff, p * PAGE_SIZE, (p + 1) * PAGE_SIZE);
      kernelWrite(mem, k, data);
      const kvec = KVEC_RANGES.map(([from, to]) => ({ iov_base: k + from, iov_len: to - from }));
      const count = kvec.reduce((s, v) => s + v.iov_len, 0);
      const i = iovIterKvec(createIovIter(), ITER_DEST, mem, kvec, kvec.length, count);
      problems.push(...drain(mem, i, mode, new Cursor(KVEC_RANGES, (pos) => vmallocToPage(mem, k + pos))));
    } finally {
      vfree(mem, k);
    }
    return problems;
  }
  const frames = bufferFrames(mem);
  try {
    if (type === 'bvec') {
      const bv = BVEC_RANGES.map(([page, from, to]) => ({ bv_page: frames[page]!, bv_offset: from, bv_len: to - from }));
      const ranges = BVEC_RANGES.map(([page, from, to]) => [page * PAGE_SIZE + from, page * PAGE_SIZE + to] as const);
      const count = bv.reduce((s, v) => s + v.bv_len, 0);
      const i = iovIterBvec(createIovIter(), ITER_DEST, mem, bv, bv.length, count);
      problems.push(...drain(mem, i, mode, new Cursor(ranges, (pos) => frames[Math.floor(pos / PAGE_SIZE)]!)));
    } else if (type === 'xarray') {
      const xa = createXArray<number>();
      frames.forEach((pfn, idx) => xaStore(xa, idx, pfn));
      for (const [from, to] of KVEC_RANGES) {
        const i = iovIterXarray(createIovIter(), ITER_DEST, mem, xa, from, to - from);
        problems.push(...drain(mem, i, mode, new Cursor([[from, to]], (pos) => frames[Math.floor(pos / PAGE_SIZE)]!)));
      }
    } else {
      const head = createFolioQueue();
      let fq = head;
      for (const pfn of frames) {
        if (folioqFull(fq)) fq = folioqAppendSegment(fq);
        folioqAppend(mem, fq, pfn);
      }
      for (const [from, to] of KVEC_RANGES) {
        const i = iovIterFolioq(createIovIter(), ITER_DEST, mem, head, 0, 0, to);
        iovIterAdvance(i, from);
        problems.push(...drain(mem, i, mode, new Cursor([[from, to]], (pos) => frames[Math.floor(pos / PAGE_SIZE)]!)));
      }
    }
  } finally {
    for (const pfn of frames) putPage(mem, pfn);
  }
  return problems;
}
