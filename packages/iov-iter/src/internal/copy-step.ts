/**
 * One contiguous piece of a copy: user memory through the process's page tables (faults, COW),
 * kernel virtual memory, or frame memory. Each returns the bytes NOT done, like copy_to_user().
 *
 * @kernel lib/iov_iter.c copy_to_user_iter(), copy_from_user_iter(), memcpy_to_iter(), zero_to_iter()
 */
import { PAGE_SIZE, kernelRead, kernelWrite, type MemMap, type MmStruct } from '@biopath/mm';

/** Copy the caller's buffer into the iterator's memory (copy_to_iter). */
export const OP_TO_ITER = 0;
/** Copy the iterator's memory into the caller's buffer (copy_from_iter). */
export const OP_FROM_ITER = 1;
/** Zero the iterator's memory (iov_iter_zero). */
export const OP_ZERO = 2;

const ZEROES = new Uint8Array(PAGE_SIZE);

/** User memory at `addr`; `buf[progress..]` is the caller's side. A fault ends the piece early. */
export function stepUser(mm: MmStruct, addr: number, buf: Uint8Array, progress: number, len: number, op: number): number {
  if (op === OP_TO_ITER) return mm.copyToUser(addr, buf, progress, len);
  if (op === OP_FROM_ITER) return mm.copyFromUser(buf, addr, progress, len);
  let done = 0;
  while (done < len) {
    const n = Math.min(PAGE_SIZE, len - done);
    const left = mm.copyToUser(addr + done, ZEROES, 0, n);
    done += n - left;
    if (left) break;
  }
  return len - done;
}

/** Kernel virtual memory (direct map or vmalloc) at `kaddr`. Never short. */
export function stepKernel(mem: MemMap, kaddr: number, buf: Uint8Array, progress: number, len: number, op: number): number {
  if (op === OP_TO_ITER) kernelWrite(mem, kaddr, buf.subarray(progress, progress + len));
  else if (op === OP_FROM_ITER) kernelRead(mem, kaddr, buf.subarray(progress, progress + len));
  else {
    for (let done = 0; done < len; done += PAGE_SIZE) {
      kernelWrite(mem, kaddr + done, ZEROES.subarray(0, Math.min(PAGE_SIZE, len - done)));
    }
  }
  return 0;
}

/** Frame memory: `len` bytes from byte `phys` of the arena (`pfn * PAGE_SIZE + offset`). Never short. */
export function stepFrames(mem: MemMap, phys: number, buf: Uint8Array, progress: number, len: number, op: number): number {
  const bytes = mem.bytes;
  if (op === OP_TO_ITER) bytes.set(buf.subarray(progress, progress + len), phys);
  else if (op === OP_FROM_ITER) buf.set(bytes.subarray(phys, phys + len), progress);
  else bytes.fill(0, phys, phys + len);
  return 0;
}
