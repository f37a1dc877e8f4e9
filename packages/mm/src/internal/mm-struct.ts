/**
 * An emulated process address space over the frames of one {@link MemMap}.
 * @kernel include/linux/mm_types.h struct mm_struct
 */
import { BiopathError } from './arena.ts';
import { MMAP_BASE, PAGE_SIZE } from './constants.ts';
import { dupMmap, type ForkHooks } from './fork.ts';
import type { MemMap } from './mem-map.ts';
import { doMadvise, doMmap, doMprotect, exitMmap, type MmapOpts, unmapRange, checkUserRange } from './mmap.ts';
import { pagemapEntry, type PagemapEntry } from './introspect.ts';
import { doMremap } from './mremap.ts';
import { PageTable } from './page-table.ts';
import { accessOk, copyFromUser, copyToUser } from './user-copy.ts';
import type { Vma } from './vma.ts';

/** Throw EINVAL unless `[off, off + len)` lies inside `buf`. */
function checkSpan(fn: string, buf: Uint8Array, off: number, len: number): void {
  if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || len < 0 || off + len > buf.length) {
    throw new BiopathError('EINVAL', `${fn}(len): [${off}, ${off}+${len}) is outside the ${buf.length}-byte buffer`);
  }
}

export class MmStruct {
  readonly mem: MemMap;
  /** MMF_* bits (MMF_HAS_PINNED is set by the first FOLL_PIN and never cleared). */
  flags = 0;
  /** @kernel include/linux/mm_types.h mm_struct.write_protect_seq — odd while fork copies page tables. */
  writeProtectSeq = 0;
  /** fork holds mmap_lock for writing (GUP's slow path would wait). */
  mmapLockedForWrite = false;
  /** @internal page table */
  readonly pt = new PageTable();
  /** @internal swap entries left by MADV_PAGEOUT: vpn -> slot * 2 + exclusive */
  readonly swapPtes = new Map<number, number>();
  /** @internal VMAs in address order */
  readonly vmas: Vma[] = [];
  /** @internal top of the free part of the top-down mmap area */
  mmapBase = MMAP_BASE;
  private dead = false;

  constructor(mem: MemMap) {
    if (mem.destroyed) throw new BiopathError('EINVAL', 'MmStruct(mem): the MemMap was destroyed');
    this.mem = mem;
  }

  /**
   * Map `len` bytes of anonymous memory (private unless `shared`; `p2pdma` maps PCI P2PDMA device
   * pages, shared; `hugetlb` maps hugetlb memory of that size (private, or shared with `shared`), `len` rounded up to it). `addr` requests a fixed address (replacing what was there). `folioOrder` makes
   * write faults allocate folios of that order where they fit. Returns the page-aligned address.
   */
  mmap(len: number, opts?: MmapOpts): number {
    this.checkAlive('mmap');
    return doMmap(this, len, opts);
  }

  munmap(addr: number, len: number): void {
    this.checkAlive('munmap');
    unmapRange(this, addr, checkUserRange('munmap', addr, len));
  }

  mprotect(addr: number, len: number, prot: number): void {
    this.checkAlive('mprotect');
    doMprotect(this, addr, len, prot);
  }

  madvise(addr: number, len: number, advice: number): void {
    this.checkAlive('madvise');
    doMadvise(this, addr, len, advice);
  }

  /**
   * Resize or move a mapping (`flags`: MREMAP_MAYMOVE, MREMAP_FIXED with `newAddr`); returns its new
   * address. Pins and references on moved pages are kept. Throws BiopathError (EINVAL, EFAULT, ENOMEM).
   * @kernel mm/mremap.c SYSCALL_DEFINE5(mremap)
   */
  mremap(oldAddr: number, oldLen: number, newLen: number, flags = 0, newAddr?: number): number {
    this.checkAlive('mremap');
    return doMremap(this, oldAddr, oldLen, newLen, flags, newAddr);
  }

  /** Duplicate for a child process; throws BiopathError('ENOMEM') leaving nothing behind. */
  fork(hooks?: ForkHooks): MmStruct {
    this.checkAlive('fork');
    return dupMmap(this, hooks);
  }

  /** User read: faults (zero page for untouched anon). Throws BiopathError('EFAULT') on a bad address. */
  read(addr: number, len: number): Uint8Array {
    if (!Number.isSafeInteger(len) || len < 0) throw new BiopathError('EINVAL', `read(len): ${len} is not a length`);
    const out = new Uint8Array(len);
    if (this.copyFromUser(out, addr) !== 0) throw new BiopathError('EFAULT', `read(addr): ${addr}+${len} is not readable`);
    return out;
  }

  /** User write: write faults, COW. Throws BiopathError('EFAULT') on a bad address (bytes before it are written). */
  write(addr: number, data: Uint8Array): void {
    if (this.copyToUser(addr, data) !== 0) {
      throw new BiopathError('EFAULT', `write(addr): ${addr}+${data.length} is not writable`);
    }
  }

  /** copy_to_user: returns the number of bytes not copied. */
  copyToUser(addr: number, src: Uint8Array, srcOff = 0, len = src.length - srcOff): number {
    this.checkAlive('copyToUser');
    checkSpan('copyToUser', src, srcOff, len);
    return copyToUser(this, addr, src, srcOff, len);
  }

  /** copy_from_user: returns the number of bytes not copied. */
  copyFromUser(dst: Uint8Array, addr: number, dstOff = 0, len = dst.length - dstOff): number {
    this.checkAlive('copyFromUser');
    checkSpan('copyFromUser', dst, dstOff, len);
    return copyFromUser(this, dst, addr, dstOff, len);
  }

  /** @kernel include/asm-generic/access_ok.h access_ok() */
  accessOk(addr: number, len: number): boolean {
    return accessOk(addr, len);
  }

  /** pfn mapped at `addr` without faulting, or -1. @kernel mm/gup.c follow_page() */
  followPage(addr: number): number {
    return Number.isSafeInteger(addr) && addr >= 0 ? this.pt.pfn(Math.floor(addr / PAGE_SIZE)) : -1;
  }

  /** What /proc/self/pagemap says about the page at `addr` (present, swapped, pfn, huge, exclusive). */
  pagemap(addr: number): PagemapEntry {
    return pagemapEntry(this, addr);
  }

  /** Tear down every mapping and drop every frame reference the process held. @kernel kernel/fork.c mmput() */
  exit(): void {
    if (this.dead) return;
    exitMmap(this);
    this.dead = true;
  }

  private checkAlive(fn: string): void {
    if (this.dead) throw new BiopathError('EINVAL', `${fn}(mm): the process has exited`);
  }
}
