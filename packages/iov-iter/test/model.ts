/**
 * A flat-buffer reference model of an iterator: every logical byte k of the iterator has one
 * location, its byte offset in frame memory (`pfn * PAGE_SIZE + offset`). Builders make iterators of
 * each memory-backed type from segment specs, filled with a known pattern.
 */
import {
  PAGE_SIZE, isVmallocAddr, pageAddress, virtToPage, vmallocToPage, type MemMap,
} from '@biopath/mm';
import {
  ITER_BVEC, ITER_FOLIOQ, ITER_IOVEC, ITER_KVEC, ITER_UBUF, ITER_XARRAY, createFolioQueue, createIovIter,
  createXArray, folioqAppend, folioqAppendSegment, folioqFolio, folioqFolioSize, folioqFull, folioqNrSlots,
  iovIterBvec, iovIterFolioq, iovIterInit, iovIterKvec, iovIterUbuf, iovIterXarray, xaLoad, xaStore,
  type BioVec, type IovIter,
} from '../src/index.ts';
import type { Env } from './helpers.ts';

export type Kind = 'ubuf' | 'iovec' | 'kvec' | 'bvec' | 'xarray' | 'folioq';
export const KINDS: readonly Kind[] = ['ubuf', 'iovec', 'kvec', 'bvec', 'xarray', 'folioq'];

/** One segment: `len` bytes starting `off` bytes into a fresh backing area of `order` (pages = 2^order). */
export interface SegSpec {
  off: number;
  len: number;
  order: number;
}

export interface Built {
  i: IovIter;
  total: number;
  /** Frame-memory byte offset of logical byte k. */
  loc(k: number): number;
}

/** Frame-memory offset of a kernel virtual address. */
export function kaddrLoc(mem: MemMap, kaddr: number): number {
  const pfn = isVmallocAddr(mem, kaddr) ? vmallocToPage(mem, kaddr) : virtToPage(mem, kaddr);
  return pfn * PAGE_SIZE + (kaddr % PAGE_SIZE);
}

/** Logical-byte locator over a list of (start, len) runs whose bytes map through `at`. */
function runs(list: { start: number; len: number }[], at: (x: number) => number): (k: number) => number {
  return (k) => {
    for (const r of list) {
      if (k < r.len) return at(r.start + k);
      k -= r.len;
    }
    throw new Error(`model: byte ${k} beyond the iterator`);
  };
}

function fill(mem: MemMap, seed: number, pfn: number, pages: number): void {
  for (let k = 0; k < pages * PAGE_SIZE; k++) mem.bytes[pfn * PAGE_SIZE + k] = (seed + k * 31 + (k >> 9)) & 0xff;
}

function clampSeg(s: SegSpec): SegSpec {
  const size = PAGE_SIZE << s.order;
  const off = s.off % size;
  return { off, len: Math.min(s.len, size - off), order: s.order };
}

function buildUser(env: Env, kind: Kind, segs: SegSpec[], dir: number): Built {
  const { mm } = env;
  const list = segs.map((raw, n) => {
    const s = clampSeg(raw);
    const size = PAGE_SIZE << s.order;
    const a = mm.mmap(size);
    mm.write(a, Uint8Array.from({ length: size }, (_, k) => (n * 17 + k * 31 + (k >> 9)) & 0xff));
    return { start: a + s.off, len: s.len };
  });
  const total = list.reduce((x, r) => x + r.len, 0);
  const at = (x: number): number => mm.followPage(x) * PAGE_SIZE + (x % PAGE_SIZE);
  const i = kind === 'ubuf'
    ? iovIterUbuf(createIovIter(), dir, mm, list[0]!.start, list[0]!.len)
    : iovIterInit(createIovIter(), dir, mm, list.map((r) => ({ iov_base: r.start, iov_len: r.len })), list.length, total);
  return { i, total: kind === 'ubuf' ? list[0]!.len : total, loc: runs(list, at) };
}

function buildKvec(env: Env, segs: SegSpec[], dir: number): Built {
  const { mem } = env;
  const list = segs.map((raw, n) => {
    const s = clampSeg(raw);
    const base = n % 2 === 0 ? env.vmalloc(PAGE_SIZE << s.order) : pageAddress(mem, env.folio(s.order, n));
    return { start: base + s.off, len: s.len };
  });
  const total = list.reduce((x, r) => x + r.len, 0);
  const i = iovIterKvec(createIovIter(), dir, mem, list.map((r) => ({ iov_base: r.start, iov_len: r.len })), list.length, total);
  return { i, total, loc: runs(list, (x) => kaddrLoc(mem, x)) };
}

function buildBvec(env: Env, segs: SegSpec[], dir: number): Built {
  const bvec: BioVec[] = segs.map((raw, n) => {
    const s = clampSeg(raw);
    const pfn = env.folio(s.order);
    fill(env.mem, n * 5, pfn, 1 << s.order);
    return { bv_page: pfn, bv_offset: s.off, bv_len: s.len };
  });
  const total = bvec.reduce((x, b) => x + b.bv_len, 0);
  const list = bvec.map((b) => ({ start: b.bv_page * PAGE_SIZE + b.bv_offset, len: b.bv_len }));
  return { i: iovIterBvec(createIovIter(), dir, env.mem, bvec, bvec.length, total), total, loc: runs(list, (x) => x) };
}

/** Folios of the given orders at consecutive, naturally aligned file indices from `first`. */
function buildXarray(env: Env, orders: number[], startOff: number, dir: number): Built {
  const xa = createXArray<number>();
  let index = 0;
  for (const o of orders) {
    index = Math.ceil(index / (1 << o)) * (1 << o);
    const pfn = env.folio(o);
    fill(env.mem, index, pfn, 1 << o);
    xaStore(xa, index, pfn, o);
    index += 1 << o;
  }
  const firstIdx = Math.floor(startOff / PAGE_SIZE);
  let end = firstIdx;
  while (xaLoad(xa, end) !== null) end++;
  const total = Math.max(0, end * PAGE_SIZE - startOff);
  const i = iovIterXarray(createIovIter(), dir, env.mem, xa, startOff, total);
  const loc = (k: number): number => {
    const pos = startOff + k;
    const idx = Math.floor(pos / PAGE_SIZE);
    const folio = xaLoad(xa, idx)!;
    return (folio + (idx % (1 << env.mem.order[folio]!))) * PAGE_SIZE + (pos % PAGE_SIZE);
  };
  return { i, total, loc };
}

function buildFolioq(env: Env, orders: number[], startOff: number, dir: number): Built {
  const fq = createFolioQueue();
  let q = fq;
  const list: { start: number; len: number }[] = [];
  for (const o of orders) {
    if (folioqFull(q)) q = folioqAppendSegment(q);
    const pfn = env.folio(o);
    fill(env.mem, list.length * 3, pfn, 1 << o);
    folioqAppend(env.mem, q, pfn);
    list.push({ start: pfn * PAGE_SIZE, len: PAGE_SIZE << o });
  }
  const off = startOff % list[0]!.len;
  list[0] = { start: list[0]!.start + off, len: list[0]!.len - off };
  const total = list.reduce((x, r) => x + r.len, 0);
  return { i: iovIterFolioq(createIovIter(), dir, env.mem, fq, 0, off, total), total, loc: runs(list, (x) => x) };
}

/** Build an iterator of `kind` over `segs` (XARRAY/FOLIOQ use each segment's order as a folio, segs[0].off as the start). */
export function build(env: Env, kind: Kind, segs: SegSpec[], dir: number): Built {
  switch (kind) {
    case 'ubuf':
    case 'iovec':
      return buildUser(env, kind, segs, dir);
    case 'kvec':
      return buildKvec(env, segs, dir);
    case 'bvec':
      return buildBvec(env, segs, dir);
    case 'xarray':
      return buildXarray(env, segs.map((s) => s.order), segs[0]!.off % PAGE_SIZE, dir);
    case 'folioq':
      return buildFolioq(env, segs.map((s) => s.order), segs[0]!.off, dir);
  }
}

/**
 * Frame-memory offset of the iterator's next byte, computed from its state alone (or -1 at the end):
 * an independent reading of what advance/revert/extract left behind.
 */
export function nextLoc(mem: MemMap, i: IovIter): number {
  if (i.count === 0) return -1;
  switch (i.iter_type) {
    case ITER_UBUF: {
      const a = i.ubuf + i.iov_offset;
      return i.mm!.followPage(a) * PAGE_SIZE + (a % PAGE_SIZE);
    }
    case ITER_IOVEC:
    case ITER_KVEC: {
      const segs = i.iter_type === ITER_IOVEC ? i.__iov! : i.kvec!;
      let k = i.seg;
      let skip = i.iov_offset;
      while (skip >= segs[k]!.iov_len) {
        skip -= segs[k]!.iov_len;
        k++;
      }
      const a = segs[k]!.iov_base + skip;
      return i.iter_type === ITER_KVEC ? kaddrLoc(mem, a) : i.mm!.followPage(a) * PAGE_SIZE + (a % PAGE_SIZE);
    }
    case ITER_BVEC: {
      let k = i.seg;
      let skip = i.iov_offset;
      while (skip >= i.bvec![k]!.bv_len) {
        skip -= i.bvec![k]!.bv_len;
        k++;
      }
      return i.bvec![k]!.bv_page * PAGE_SIZE + i.bvec![k]!.bv_offset + skip;
    }
    case ITER_XARRAY: {
      const pos = i.xarray_start + i.iov_offset;
      const idx = Math.floor(pos / PAGE_SIZE);
      const folio = xaLoad(i.xarray!, idx)!;
      return (folio + (idx % (1 << mem.order[folio]!))) * PAGE_SIZE + (pos % PAGE_SIZE);
    }
    case ITER_FOLIOQ: {
      let q = i.folioq!;
      let slot = i.folioq_slot;
      let off = i.iov_offset;
      for (;;) {
        if (slot >= folioqNrSlots(q)) {
          q = q.next!;
          slot = 0;
        }
        if (off < folioqFolioSize(q, slot)) return folioqFolio(q, slot) * PAGE_SIZE + off;
        off -= folioqFolioSize(q, slot);
        slot++;
      }
    }
    default:
      throw new Error(`model: no location for iter_type ${i.iter_type}`);
  }
}

