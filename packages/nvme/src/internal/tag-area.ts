/**
 * Arena memory a driver owns for per-request DMA metadata (iovec arrays, PRP/SGL list pages,
 * DSM range lists, bounce buffers): one region, carved per tag, allocated once at open. IOVAs
 * from here go into SQEs; the native layer bounds-checks them like any other.
 */
import { arenaCreate, arenaFree, ARENA_PAGE_SIZE } from '@biopath/native';
import type { ArenaRegion } from '@biopath/native';

/** A driver-owned arena region with typed views. */
export class DriverArea {
  readonly region: ArenaRegion;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  #freed = false;

  /** `bytes` is rounded up to whole pages. */
  constructor(bytes: number) {
    const size = Math.max(ARENA_PAGE_SIZE, Math.ceil(bytes / ARENA_PAGE_SIZE) * ARENA_PAGE_SIZE);
    this.region = arenaCreate(size);
    this.u8 = new Uint8Array(this.region.buffer);
    this.u32 = new Uint32Array(this.region.buffer);
  }

  /** IOVA of byte `off`. */
  iova(off: number): number {
    return this.region.iova + off;
  }

  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    arenaFree(this.region.id);
  }
}

/** Round `n` up to a multiple of the arena page size. */
export function pageAlign(n: number): number {
  return Math.ceil(n / ARENA_PAGE_SIZE) * ARENA_PAGE_SIZE;
}

/** Bytes of one iovec (struct iovec: u64 base, u64 len). */
export const IOVEC_BYTES = 16;
