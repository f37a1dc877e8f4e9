/**
 * ITER_PIPE, kept for the profiles that still had it (`legacy` ≈ 6.2 and `v8`): an iterator that
 * appends freshly allocated pages to a pipe. The pipe owns one reference per buffer; reverting the
 * iterator releases buffers, even if someone else (a bio) still lists their pages: the hazard that
 * corrupted splice_read and helped kill ITER_PIPE in 6.5.
 *
 * @kernel lib/iov_iter.c (v6.2) append_pipe(), pipe_advance(), iov_iter_revert(), iov_iter_pipe()
 */
import { BiopathError } from './internal/errors.ts';
import { PAGE_SIZE, allocPages, putPage, type MemMap } from '@biopath/mm';
import { ITER_PIPE, READ } from './constants.ts';
import type { IovIter } from './iov-iter.ts';
import { resetIter } from './internal/reset.ts';

/** @kernel include/linux/pipe_fs_i.h struct pipe_buffer */
export interface PipeBuffer {
  /** Frame, or -1 once released. */
  page: number;
  offset: number;
  len: number;
}

/** @kernel include/linux/pipe_fs_i.h struct pipe_inode_info */
export interface Pipe {
  mem: MemMap;
  /** Ring of `ring_size` buffers, indexed by (head or tail) mod ring_size. */
  bufs: PipeBuffer[];
  /** Free-running producer index. */
  head: number;
  /** Free-running consumer index. */
  tail: number;
  max_usage: number;
  ring_size: number;
}

/** A pipe of `maxUsage` buffers (the kernel default is 16). */
export function createPipe(mem: MemMap, maxUsage = 16): Pipe {
  if (!Number.isInteger(maxUsage) || maxUsage < 1) throw new BiopathError('EINVAL', `createPipe(maxUsage): ${maxUsage}`);
  let ring = 1;
  while (ring < maxUsage) ring *= 2;
  const bufs = Array.from({ length: ring }, () => ({ page: -1, offset: 0, len: 0 }));
  return { mem, bufs, head: 0, tail: 0, max_usage: maxUsage, ring_size: ring };
}

/** Buffer at free-running index `n`. @kernel pipe_buf() */
export function pipeBuf(pipe: Pipe, n: number): PipeBuffer {
  return pipe.bufs[n & (pipe.ring_size - 1)]!;
}

/** Buffers in use. @kernel pipe_occupancy() */
export function pipeOccupancy(pipe: Pipe): number {
  return pipe.head - pipe.tail;
}

/** Drop the pipe's reference on a buffer's page. @kernel pipe_buf_release() */
export function pipeBufRelease(pipe: Pipe, buf: PipeBuffer): void {
  if (buf.page >= 0) putPage(pipe.mem, buf.page);
  buf.page = -1;
  buf.len = 0;
}

/** Consume (release) every buffer, as a reader draining the pipe would. */
export function pipeDrain(pipe: Pipe): void {
  while (pipe.tail !== pipe.head) pipeBufRelease(pipe, pipeBuf(pipe, pipe.tail++));
}

/**
 * Initialise `i` to append up to `count` bytes to `pipe`. READ only; exists in profiles `legacy` and
 * `v8` (ITER_PIPE was removed in 6.5). @kernel lib/iov_iter.c (v6.2) iov_iter_pipe()
 */
export function iovIterPipe(i: IovIter, direction: number, pipe: Pipe, count: number): IovIter {
  const p = pipe.mem.profile;
  if (p !== 'legacy' && p !== 'v8') {
    throw new BiopathError('EINVAL', `iovIterPipe(pipe): ITER_PIPE does not exist in profile ${p} (removed in 6.5)`);
  }
  if (direction !== READ) throw new BiopathError('EINVAL', 'iovIterPipe(direction): a pipe iterator is READ only');
  resetIter(i, ITER_PIPE, false, count, 0);
  i.pipe = pipe;
  i.mem = pipe.mem;
  i.head = pipe.head;
  i.start_head = pipe.head;
  return i;
}

/** Release buffers from `head` to the pipe's head. @kernel pipe_discard_from() */
function pipeDiscardFrom(pipe: Pipe, head: number): void {
  while (pipe.head > head) pipeBufRelease(pipe, pipeBuf(pipe, --pipe.head));
}

/** Offset into the last buffer's page where appending continues, or 0. */
function lastOffset(buf: PipeBuffer): number {
  return buf.offset + buf.len;
}

/**
 * Give up to `size` bytes of pipe space: continue the last buffer if it has room, else push a new page.
 * Returns the page (or -1 when the pipe is full) and leaves its offset in {@link appendOff}.
 * @kernel lib/iov_iter.c (v6.2) append_pipe()
 */
export const appendOff = { off: 0 };
export function appendPipe(i: IovIter, size: number): number {
  const pipe = i.pipe!;
  const offset = i.iov_offset;
  if (offset > 0 && offset < PAGE_SIZE) {
    const buf = pipeBuf(pipe, pipe.head - 1);
    size = Math.min(size, PAGE_SIZE - offset);
    buf.len += size;
    i.iov_offset += size;
    i.count -= size;
    appendOff.off = offset;
    return buf.page;
  }
  appendOff.off = 0;
  size = Math.min(size, PAGE_SIZE);
  if (pipeOccupancy(pipe) >= pipe.max_usage) return -1;
  const page = allocPages(pipe.mem, 0);
  if (page < 0) return -1;
  const buf = pipeBuf(pipe, pipe.head++);
  buf.page = page;
  buf.offset = 0;
  buf.len = size;
  i.head = pipe.head - 1;
  i.iov_offset = size;
  i.count -= size;
  return page;
}

/** Pages the iterator could still append, and the offset into the first. @kernel pipe_npages() */
export function pipeNpages(i: IovIter): number {
  const pipe = i.pipe!;
  return Math.max(pipe.max_usage - pipeOccupancy(pipe), 0) + (i.iov_offset > 0 && i.iov_offset < PAGE_SIZE ? 1 : 0);
}

/** @kernel lib/iov_iter.c (v6.2) pipe_advance() */
export function pipeAdvance(i: IovIter, size: number): void {
  const pipe = i.pipe!;
  let off = i.iov_offset;
  if (!off && !size) {
    pipeDiscardFrom(pipe, i.start_head);
    return;
  }
  i.count -= size;
  for (;;) {
    const buf = pipeBuf(pipe, i.head);
    if (off) size += off - buf.offset;
    if (size <= buf.len) {
      buf.len = size;
      i.iov_offset = lastOffset(buf);
      break;
    }
    size -= buf.len;
    i.head++;
    off = 0;
  }
  pipeDiscardFrom(pipe, i.head + 1);
}

/** Un-append `unroll` bytes, releasing every buffer that becomes empty. @kernel iov_iter_revert() (ITER_PIPE) */
export function pipeRevert(i: IovIter, unroll: number): void {
  const pipe = i.pipe!;
  let head = pipe.head;
  while (head > i.start_head) {
    const b = pipeBuf(pipe, --head);
    if (unroll < b.len) {
      b.len -= unroll;
      i.iov_offset = lastOffset(b);
      i.head = head;
      return;
    }
    unroll -= b.len;
    pipeBufRelease(pipe, b);
    pipe.head--;
  }
  i.iov_offset = 0;
  i.head = head;
}
