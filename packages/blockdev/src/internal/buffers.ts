/**
 * Arena-backed buffers: what `allocBuffer` hands the caller (the spdk_dma_malloc of this API) and
 * what a direct IO bounces through when the caller's buffer is not one of them.
 *
 * A buffer is one physically contiguous folio of the handle's MemMap, so one `Uint8Array` view
 * covers it. For `pin`/`get` it is anonymous memory of the handle's emulated process (an `mmap`
 * with `folioOrder`, write-faulted once so the folio exists): IO to it is a UBUF iterator over its
 * user address, and the pages are pinned (or referenced) per IO. For `list` it is kernel pages
 * (`allocPages`), named by their direct-map address in a KVEC: nothing is taken per IO.
 */
import { MmStruct, allocPages, putPage, PAGE_SIZE, PAGE_OFFSET } from '@biopath/mm';
import type { MemMap } from '@biopath/mm';
import { BiopathError } from './native.ts';

/** One arena buffer. `addr` is a user address (user memory) or a direct-map kernel address. */
export interface ArenaBuf {
  pfn: number;
  order: number;
  addr: number;
  view: Uint8Array;
  /** Handed to the caller by allocBuffer (true) or a pooled bounce buffer (false). */
  user: boolean;
}

function orderFor(bytes: number): number {
  const pages = Math.max(1, Math.ceil(bytes / PAGE_SIZE));
  return Math.ceil(Math.log2(pages));
}

/** Buffers of one handle: allocation, bounce pools by order, and lookup of a caller's view. */
export class BufferPool {
  /** Per frame: index + 1 into `bufs` of the live buffer it belongs to, 0 for none. */
  readonly owner: Int32Array;
  readonly bufs: (ArenaBuf | null)[] = [];
  readonly free: ArenaBuf[][] = [];
  /** Buffers in use (caller's and bounce buffers out on IO). */
  live = 0;

  constructor(readonly mem: MemMap, readonly mm: MmStruct, readonly userMemory: boolean) {
    this.owner = new Int32Array(mem.nrPages);
  }

  /** A new contiguous buffer of at least `bytes`; ENOMEM when the arena has no such run. */
  alloc(bytes: number, user: boolean): ArenaBuf {
    const order = orderFor(bytes);
    const n = 1 << order;
    let pfn: number, addr: number;
    if (this.userMemory) {
      addr = this.mm.mmap(n * PAGE_SIZE, { folioOrder: order });
      this.mm.write(addr, ZERO_BYTE); // the write fault allocates the whole folio
      pfn = this.mm.followPage(addr);
      if (pfn < 0 || this.mm.followPage(addr + (n - 1) * PAGE_SIZE) !== pfn + n - 1) {
        this.mm.munmap(addr, n * PAGE_SIZE);
        throw new BiopathError('ENOMEM', `allocBuffer(size): no contiguous run of ${n} free pages in the arena (raise options.memory)`);
      }
    } else {
      pfn = allocPages(this.mem, order, { zero: true });
      if (pfn < 0) throw new BiopathError('ENOMEM', `allocBuffer(size): no contiguous run of ${n} free pages in the arena (raise options.memory)`);
      addr = PAGE_OFFSET + pfn * PAGE_SIZE;
    }
    const view = this.mem.bytes.subarray(pfn * PAGE_SIZE, (pfn + n) * PAGE_SIZE);
    const b: ArenaBuf = { pfn, order, addr, view, user };
    let slot = this.bufs.indexOf(null);
    if (slot < 0) slot = this.bufs.push(null) - 1;
    this.bufs[slot] = b;
    this.owner.fill(slot + 1, pfn, pfn + n);
    this.live++;
    return b;
  }

  /** Give a buffer's memory back to the arena. */
  release(b: ArenaBuf): void {
    const n = 1 << b.order;
    const slot = this.owner[b.pfn]! - 1;
    this.owner.fill(0, b.pfn, b.pfn + n);
    if (slot >= 0) this.bufs[slot] = null;
    if (this.userMemory) this.mm.munmap(b.addr, n * PAGE_SIZE);
    else putPage(this.mem, b.pfn);
    this.live--;
  }

  /** A bounce buffer of at least `bytes` (reused from the pool when one is free). */
  bounce(bytes: number): ArenaBuf {
    const list = this.free[orderFor(bytes)];
    if (list !== undefined && list.length > 0) return list.pop()!;
    return this.alloc(bytes, false);
  }

  unbounce(b: ArenaBuf): void {
    (this.free[b.order] ??= []).push(b);
  }

  /**
   * The buffer `view` lies in, with the IO address of its first byte, or null when it is not
   * (wholly) inside one buffer of this pool: then the IO bounces.
   */
  lookup(view: Uint8Array, out: { addr: number }): ArenaBuf | null {
    const bytes = this.mem.bytes;
    if (view.buffer !== bytes.buffer) return null;
    const rel = view.byteOffset - bytes.byteOffset;
    if (rel < 0 || rel + view.byteLength > bytes.byteLength) return null;
    const pfn = Math.floor(rel / PAGE_SIZE);
    const slot = this.owner[pfn]! - 1;
    if (slot < 0) return null;
    const b = this.bufs[slot]!;
    const off = rel - b.pfn * PAGE_SIZE;
    if (!b.user || off + view.byteLength > (PAGE_SIZE << b.order)) return null;
    out.addr = b.addr + off;
    return b;
  }

  /** Free everything (the handle is closing; no IO is in flight). */
  destroy(): void {
    for (const list of this.free) if (list !== undefined) for (const b of list) this.release(b);
    this.free.length = 0;
    for (const b of this.bufs) if (b !== null) this.release(b);
  }
}

const ZERO_BYTE = new Uint8Array(1);
