// Shared by this package's driver tests: a driver under a real block queue (blkMqInitQueue +
// bdevCreate), bios built from MemMap frames, and deterministic data patterns.
import {
  bdevCreate, bioAddPage, bioAlloc, bioPut, blkStatusToErrno, blkMqDestroyQueue, blkMqDrain, blkMqInitQueue, submitBio, submitBioWait,
} from '@biopath/block';
import type { Bio, BlockDevice, QueueLimits, RequestQueue } from '@biopath/block';
import { allocPages, createMemMap, destroyMemMap } from '@biopath/mm';
import type { MemMap } from '@biopath/mm';
import type { BlkDriver } from '@biopath/nvme';

export interface Stack<D extends BlkDriver = BlkDriver> {
  drv: D;
  mem: MemMap;
  q: RequestQueue;
  bdev: BlockDevice;
}

export interface StackOpts {
  nrPages?: number;
  /** Override the driver's limits (e.g. to let requests the block layer would split reach the driver). */
  limits?: Partial<QueueLimits>;
  /** Device size as block sees it (default the driver's). */
  sizeBytes?: number;
}

/** Build mem → driver → queue → bdev, run fn, tear down in reverse whatever happens. */
export async function withStack<D extends BlkDriver, T>(
  mk: (mem: MemMap) => D, fn: (s: Stack<D>) => T | Promise<T>, opts: StackOpts = {},
): Promise<T> {
  const mem = createMemMap({ nrPages: opts.nrPages ?? 2048 });
  let drv: D | undefined;
  let q: RequestQueue | undefined;
  try {
    drv = mk(mem);
    q = blkMqInitQueue(drv.set, { ...drv.limits, ...opts.limits }, mem);
    const bdev = bdevCreate(q, opts.sizeBytes ?? drv.sizeBytes, drv.name);
    return await fn({ drv, mem, q, bdev });
  } finally {
    if (q) {
      blkMqDrain(q);
      blkMqDestroyQueue(q);
    }
    drv?.close();
    destroyMemMap(mem);
  }
}

/** One piece of a bio: `len` bytes at byte `off` of frame `pfn` (off may run into following frames). */
export interface Piece {
  pfn: number;
  off: number;
  len: number;
}

/** A bio of `pieces` at `sector`. */
export function makeBio(s: Stack, opf: number, sector: number, pieces: Piece[]): Bio {
  const bio = bioAlloc(s.bdev, Math.max(pieces.length, 1), opf);
  bio.bi_iter.bi_sector = sector;
  for (const p of pieces) {
    if (bioAddPage(bio, p.pfn, p.len, p.off) !== p.len) throw new Error(`bioAddPage refused ${JSON.stringify(p)}`);
  }
  return bio;
}

/** Submit and wait; returns 0 or -errno. */
export function io(s: Stack, opf: number, sector: number, pieces: Piece[]): number {
  const bio = makeBio(s, opf, sector, pieces);
  try {
    return submitBioWait(bio);
  } finally {
    bioPut(bio);
  }
}

/** Submit a data-less bio (WRITE_ZEROES, DISCARD, FLUSH) covering `bytes` at `sector`; returns 0 or -errno. */
export function ioNoData(s: Stack, opf: number, sector: number, bytes: number): number {
  const bio = bioAlloc(s.bdev, 0, opf);
  bio.bi_iter.bi_sector = sector;
  bio.bi_iter.bi_size = bytes;
  try {
    return submitBioWait(bio);
  } finally {
    bioPut(bio);
  }
}

/** Submit many bios, then drain; returns each bio's status (0 or -errno) in order. */
export function ioMany(s: Stack, list: { opf: number; sector: number; pieces: Piece[] }[]): number[] {
  const out: number[] = new Array(list.length).fill(1);
  const bios = list.map((l, i) => {
    const bio = makeBio(s, l.opf, l.sector, l.pieces);
    bio.bi_end_io = (b) => { out[i] = blkStatusToErrno(b.bi_status); };
    return bio;
  });
  for (const b of bios) submitBio(b);
  blkMqDrain(s.q);
  for (const b of bios) bioPut(b);
  return out;
}

/** `n` separate single frames (order-0), deliberately not adjacent (a spacer frame between each). */
export function frames(mem: MemMap, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const pfn = allocPages(mem, 0);
    allocPages(mem, 0); // spacer: keeps the next frame physically apart
    if (pfn < 0) throw new Error('out of frames');
    out.push(pfn);
  }
  return out;
}

/** `2^order` physically contiguous frames. */
export function contiguous(mem: MemMap, order: number): number {
  const pfn = allocPages(mem, order);
  if (pfn < 0) throw new Error('out of frames');
  return pfn;
}

/** Deterministic bytes for (seed, index). */
export function patternByte(seed: number, i: number): number {
  return (Math.imul(i + 1, 2654435761) ^ Math.imul(seed + 7, 40503)) >>> 24;
}

/** Fill the bytes behind `pieces` with pattern `seed` (bytes numbered across pieces). */
export function fillPieces(mem: MemMap, pieces: Piece[], seed: number): void {
  let k = 0;
  for (const p of pieces) {
    const at = p.pfn * 4096 + p.off;
    for (let i = 0; i < p.len; i++) mem.bytes[at + i] = patternByte(seed, k++);
  }
}

/** The bytes behind `pieces`, concatenated. */
export function readPieces(mem: MemMap, pieces: Piece[]): Buffer {
  return Buffer.concat(pieces.map((p) => Buffer.from(mem.bytes.subarray(p.pfn * 4096 + p.off, p.pfn * 4096 + p.off + p.len))));
}

/** The expected bytes of pattern `seed` over `len` bytes. */
export function expectedPattern(seed: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = patternByte(seed, i);
  return b;
}
