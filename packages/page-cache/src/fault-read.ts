/**
 * The fault server's device reads: every cluster a batch of faults needs is read into bounce
 * frames of the server's own MemMap in one batch of bios (one plug, one submission), then waited
 * for together, as the kernel's readahead submits a window's bios before it waits on a page.
 * @kernel mm/readahead.c read_pages() (bios of one readahead batch under one plug)
 */
import {
  BlkPlug, REQ_OP_READ, SECTOR_SIZE, bioAddPage, bioAlloc, bioPut, blkFinishPlug, blkMqWaitOnce, blkStartPlug,
  blkStatusToErrno, submitBio, type Bio, type BlockDevice,
} from '@biopath/block';
import { PAGE_SIZE, type MemMap } from '@biopath/mm';

/** One cluster to read: run frames [k, k + n) into bounce frames [bounce, bounce + n). */
export interface FaultRead {
  k: number;
  n: number;
  bounce: number;
  /** 1 while in flight, then 0 or a negative errno. */
  status: number;
  /** Readahead beyond the faulting pages' clusters: a failure only gives the frames back. */
  ra: boolean;
}

const IN_FLIGHT = 1;

function endFaultRead(bio: Bio): void {
  (bio.bi_private as FaultRead).status = blkStatusToErrno(bio.bi_status);
}

/** Reads of run pages: the device position of run page 0 and how many bytes the range has. */
export class FaultReader {
  readonly #plug = new BlkPlug();

  constructor(
    readonly mem: MemMap,
    readonly devPos: number,
    readonly sizeBytes: number,
    readonly bdev: () => BlockDevice,
  ) {}

  /** Bytes of run page k inside the range (PAGE_SIZE but for a partial last page). */
  pageBytes(k: number): number {
    return Math.max(0, Math.min(PAGE_SIZE, this.sizeBytes - k * PAGE_SIZE));
  }

  /** The bio reading `r` (a partial last page up to the range's end, in sectors; its tail zeroed). */
  #bio(bdev: BlockDevice, r: FaultRead): Bio {
    const bio = bioAlloc(bdev, r.n, REQ_OP_READ);
    bio.bi_iter.bi_sector = (this.devPos + r.k * PAGE_SIZE) / SECTOR_SIZE;
    for (let j = 0; j < r.n; j++) {
      const len = Math.ceil(this.pageBytes(r.k + j) / SECTOR_SIZE) * SECTOR_SIZE;
      const at = (r.bounce + j) * PAGE_SIZE;
      if (len < PAGE_SIZE) this.mem.bytes.fill(0, at + len, at + PAGE_SIZE);
      if (len > 0) bioAddPage(bio, r.bounce + j, len, 0);
    }
    bio.bi_private = r;
    bio.bi_end_io = endFaultRead;
    return bio;
  }

  /**
   * Read every cluster of `reads` into its bounce frames: all bios submitted under one plug, then
   * waited for together. Sets each `status` to 0 or a negative errno (-EIO when the device could
   * not be reached); never throws for a device error.
   */
  readAll(reads: readonly FaultRead[]): void {
    if (reads.length === 0) return;
    const bdev = this.bdev();
    const bios: Bio[] = [];
    blkStartPlug(this.#plug);
    try {
      for (const r of reads) {
        r.status = IN_FLIGHT;
        let bio: Bio | null = null;
        try {
          bio = this.#bio(bdev, r);
          submitBio(bio);
          bios.push(bio);
        } catch {
          r.status = -5;
          if (bio !== null) bioPut(bio);
        }
      }
    } finally {
      blkFinishPlug(this.#plug);
    }
    this.#wait(bdev, reads);
    for (const bio of bios) bioPut(bio);
  }

  #wait(bdev: BlockDevice, reads: readonly FaultRead[]): void {
    const pending = (): boolean => reads.some((r) => r.status === IN_FLIGHT);
    try {
      while (pending()) if (blkMqWaitOnce(bdev.bd_queue) < 0 && pending()) break;
    } catch {
      // the driver failed under us: whatever has not completed failed
    }
    for (const r of reads) if (r.status === IN_FLIGHT) r.status = -5;
  }
}
