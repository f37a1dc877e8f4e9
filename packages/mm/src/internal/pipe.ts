/**
 * A pipe that vmsplice() fills with user pages, for cow.c's vmsplice tests: each buffer holds one
 * page by a FOLL_GET reference (every modelled kernel: `iter_to_pipe()` uses `iov_iter_get_pages2()`)
 * or, with `createMemMap({ vmsplice: 'FOLL_PIN' })`, by a FOLL_PIN pin (what the seed mail expected).
 * @kernel include/linux/pipe_fs_i.h struct pipe_inode_info
 */
import { BiopathError, errno } from './arena.ts';
import { PAGE_SIZE, PIPE_DEF_BUFFERS } from './constants.ts';
import { getUserPagesFast, pinUserPagesFast } from './gup.ts';
import { unpinUserPage } from './gup-unpin.ts';
import type { MemMap } from './mem-map.ts';
import type { MmStruct } from './mm-struct.ts';
import { putPage } from './page-ref.ts';

/** One slot: `len` bytes at `offset` of frame `pfn`. @kernel include/linux/pipe_fs_i.h struct pipe_buffer */
export interface PipeBuffer {
  pfn: number;
  offset: number;
  len: number;
  pinned: boolean;
}

/** A pipe: at most `maxUsage` buffers, read in order. */
export interface PipeInodeInfo {
  readonly mem: MemMap;
  readonly maxUsage: number;
  readonly bufs: PipeBuffer[];
  freed: boolean;
}

/** @kernel fs/pipe.c alloc_pipe_info() — an empty pipe of `maxUsage` slots (16 like pipe(2)). */
export function allocPipeInfo(mem: MemMap, maxUsage = PIPE_DEF_BUFFERS): PipeInodeInfo {
  if (!Number.isInteger(maxUsage) || maxUsage < 1) {
    throw new BiopathError('EINVAL', `allocPipeInfo(maxUsage): ${maxUsage} is not a positive number of slots`);
  }
  return { mem, maxUsage, bufs: [], freed: false };
}

/** Release what a buffer holds on its page. @kernel fs/splice.c user_page_pipe_buf_ops.release */
function pipeBufRelease(mem: MemMap, buf: PipeBuffer): void {
  if (buf.pinned) unpinUserPage(mem, buf.pfn);
  else putPage(mem, buf.pfn);
}

/**
 * vmsplice(pipe, { iov_base: addr, iov_len: len }, 1, 0): add the user pages of the range to the
 * pipe, one buffer per page, until the pipe is full. The pages are taken read-only (FOLL_GET, or
 * FOLL_PIN when `mem.vmsplicePins`). Returns the bytes added, -EAGAIN if the pipe is full, or the GUP
 * error (-EFAULT...) if the first page could not be taken.
 * @kernel fs/splice.c vmsplice_to_pipe()
 */
export function vmsplice(mm: MmStruct, pipe: PipeInodeInfo, addr: number, len: number): number {
  if (pipe.freed || pipe.mem !== mm.mem) throw new BiopathError('EINVAL', 'vmsplice(pipe): the pipe is freed or of another MemMap');
  if (!Number.isSafeInteger(addr) || addr < 0 || !Number.isSafeInteger(len) || len < 0) return -errno.EINVAL;
  const pin = mm.mem.vmsplicePins;
  const one = new Int32Array(1);
  let done = 0;
  while (done < len) {
    if (pipe.bufs.length >= pipe.maxUsage) return done > 0 ? done : -errno.EAGAIN;
    const a = addr + done;
    const offset = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - offset, len - done);
    const ret = pin ? pinUserPagesFast(mm, a, 1, 0, one) : getUserPagesFast(mm, a, 1, 0, one);
    if (ret !== 1) return done > 0 ? done : ret;
    pipe.bufs.push({ pfn: one[0], offset, len: n, pinned: pin });
    done += n;
  }
  return done;
}

/**
 * read(2) from the pipe into `dst`: copies from the buffers in order and releases each buffer it
 * empties. Returns the bytes read (0 when empty).
 * @kernel fs/pipe.c pipe_read()
 */
export function pipeRead(pipe: PipeInodeInfo, dst: Uint8Array): number {
  const mem = pipe.mem;
  let done = 0;
  while (done < dst.length && pipe.bufs.length > 0) {
    const buf = pipe.bufs[0]!;
    const n = Math.min(buf.len, dst.length - done);
    const src = buf.pfn * PAGE_SIZE + buf.offset;
    dst.set(mem.bytes.subarray(src, src + n), done);
    done += n;
    buf.offset += n;
    buf.len -= n;
    if (buf.len === 0) {
      pipeBufRelease(mem, buf);
      pipe.bufs.shift();
    }
  }
  return done;
}

/** Close both ends: release every buffer still in the pipe. @kernel fs/pipe.c free_pipe_info() */
export function freePipeInfo(pipe: PipeInodeInfo): void {
  if (pipe.freed) return;
  for (const buf of pipe.bufs) pipeBufRelease(pipe.mem, buf);
  pipe.bufs.length = 0;
  pipe.freed = true;
}
