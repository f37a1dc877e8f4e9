/**
 * CPU copies between a request's data (its segments, as frames of the queue's MemMap) and a flat
 * buffer: the bounce path, the memory-backed null device, zero-filling a short read. Slow paths:
 * they re-map the request into `sg` (which may have been reused since queueRq).
 */
import { PAGE_SIZE } from '@biopath/mm';
import { blkRqMapSg } from '@biopath/block';
import type { Request, SgTable } from '@biopath/block';


/** Visit every segment of `rq` as (byte offset in mem.bytes, length, byte offset in the request). */
export function forEachRequestSegment(rq: Request, sg: SgTable, fn: (memOff: number, len: number, rqOff: number) => void): void {
  const n = blkRqMapSg(rq, sg);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const len = sg.len[i]!;
    fn(sg.pfn[i]! * PAGE_SIZE + sg.offset[i]!, len, at);
    at += len;
  }
}

/** Copy the request's data (a write's payload) into `dst` starting at `dst[0]`. */
export function rqCopyToBuffer(rq: Request, sg: SgTable, dst: Uint8Array): void {
  const mem = rq.q.mem.bytes;
  forEachRequestSegment(rq, sg, (m, len, at) => dst.set(mem.subarray(m, m + len), at));
}

/** Copy `src` (starting at `src[0]`) into the request's data (a read's destination). */
export function rqCopyFromBuffer(rq: Request, sg: SgTable, src: Uint8Array): void {
  const mem = rq.q.mem.bytes;
  forEachRequestSegment(rq, sg, (m, len, at) => mem.set(src.subarray(at, at + len), m));
}

/** Zero the request's data from byte `from` to its end. */
export function zeroFillRequestTail(rq: Request, sg: SgTable, from: number): void {
  const mem = rq.q.mem.bytes;
  forEachRequestSegment(rq, sg, (m, len, at) => {
    const s = Math.max(at, from);
    if (s < at + len) mem.fill(0, m + (s - at), m + len);
  });
}

/** Fill the request's data from byte `from` on with `byte` (fault injection's poison). */
export function fillRequestFrom(rq: Request, sg: SgTable, from: number, byte: number): void {
  const mem = rq.q.mem.bytes;
  forEachRequestSegment(rq, sg, (m, len, at) => {
    const s = Math.max(at, from);
    if (s < at + len) mem.fill(byte, m + (s - at), m + len);
  });
}
