/**
 * The mmap fault worker: a worker thread with its own MemMap (bounce frames), its own block queue
 * and driver (opened by the embedder's `openFaultDevice`), attached as a UserfaultfdPeer to the
 * mapping's userfaultfd. It serves every fault the JS thread (or anyone) raises on the view, so
 * the JS thread may block in a fault without deadlock: the worker never waits for it.
 *
 * Per fault on page k: if the frame is uptodate, CONTINUE (write-protected unless it was a write
 * fault, which marks the page dirty instead). If it holds nothing, claim it and the following empty
 * frames (fault-around), read them from the device into bounce frames, copy them into the run,
 * mark them uptodate, then map page k. Private views get a copy of the frame (UFFDIO_COPY).
 * A failed read is retried for page k alone; if that fails too the frame stays not uptodate
 * (NONE | ERROR) and the fault is answered by `faultReadError` (SIGBUS, or the opt-in zero page).
 * Any exception while serving a fault is answered the same way; if the whole thread dies, the
 * supervisor (fault-supervisor.ts) takes over. The last page is read only up to the range's end.
 * @kernel mm/filemap.c filemap_fault(), do_sync_mmap_readahead(); mm/shmem.c (MINOR userfaults)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { REQ_OP_READ, SECTOR_SIZE, bioAddPage, bioAlloc, bioPut, submitBioWait, type BlockDevice } from '@biopath/block';
import { allocPages, createMemMap, destroyMemMap, pageToIova, PAGE_SIZE, type MemMap } from '@biopath/mm';
import { faultReadError, runFailClaimed } from './fault-error.ts';
import {
  arenaCopy, BiopathError, UserfaultfdPeer, UFFDIO_CONTINUE_MODE_WP, UFFD_PAGEFAULT_FLAG_WRITE, type UffdEvent,
} from './internal/native.ts';
import { RUN_DIRTY, RUN_ERROR, RUN_NONE, RUN_READING, RUN_STATE_MASK, RUN_UPTODATE } from './mmap-run.ts';
import { describeStartError, type FaultDevice, type FaultServerInit } from './mmap-types.ts';

class FaultServer {
  readonly bounce: number;
  readonly zero: number;
  served = 0;
  reads = 0;

  constructor(readonly init: FaultServerInit, readonly mem: MemMap, readonly dev: FaultDevice, readonly peer: UserfaultfdPeer) {
    this.bounce = allocPages(mem, Math.ceil(Math.log2(init.clusterPages)));
    this.zero = allocPages(mem, 0, { zero: true });
  }

  frameIova(k: number): number {
    return this.init.framesIova + k * PAGE_SIZE;
  }

  /** Bytes of run page k that lie inside the range (PAGE_SIZE but for a partial last page). */
  pageBytes(k: number): number {
    return Math.max(0, Math.min(PAGE_SIZE, this.init.sizeBytes - k * PAGE_SIZE));
  }

  /**
   * Read device pages of frames [k, k + n) into the bounce frames (a partial last page up to the
   * range's end, its tail zeroed); 0 or a negative errno.
   */
  readDevice(k: number, n: number): number {
    const bdev: BlockDevice = this.dev.bdev;
    const bio = bioAlloc(bdev, n, REQ_OP_READ);
    bio.bi_iter.bi_sector = (this.init.devPos + k * PAGE_SIZE) / SECTOR_SIZE;
    for (let j = 0; j < n; j++) {
      const len = Math.ceil(this.pageBytes(k + j) / SECTOR_SIZE) * SECTOR_SIZE;
      if (len < PAGE_SIZE) this.mem.bytes.fill(0, (this.bounce + j) * PAGE_SIZE + len, (this.bounce + j + 1) * PAGE_SIZE);
      if (len > 0) bioAddPage(bio, this.bounce + j, len, 0);
    }
    try {
      return submitBioWait(bio);
    } catch {
      return -5;
    } finally {
      bioPut(bio);
      this.reads++;
    }
  }

  /**
   * Fill claimed frames [k, k + n). A failed cluster read gives back k+1.. (still empty) and
   * retries page k alone; a page whose read failed is left NONE | ERROR, never uptodate.
   * Returns whether frame k is uptodate. Throws if the run's memory is gone (claims released).
   */
  fill(k: number, n: number): boolean {
    const st = this.init.state;
    let err = this.readDevice(k, n);
    if (err !== 0 && n > 1) {
      for (let j = k + 1; j < k + n; j++) {
        Atomics.store(st, j, RUN_NONE);
        Atomics.notify(st, j);
      }
      n = 1;
      err = this.readDevice(k, 1);
    }
    try {
      for (let j = 0; err === 0 && j < n; j++) {
        arenaCopy(this.frameIova(k + j), pageToIova(this.mem, this.bounce + j), PAGE_SIZE);
        Atomics.store(st, k + j, RUN_UPTODATE);
        Atomics.notify(st, k + j);
      }
    } finally {
      runFailClaimed(this.init, k, n);
    }
    return err === 0;
  }

  /** Claim frame k and the empty, not-failed frames after it (fault-around); returns how many. */
  claim(k: number): number {
    const st = this.init.state;
    let n = 0;
    while (n < this.init.clusterPages && k + n < this.init.nrPages) {
      const s = Atomics.load(st, k + n);
      if ((s & RUN_STATE_MASK) !== RUN_NONE || (n > 0 && (s & RUN_ERROR) !== 0)) break;
      if (Atomics.compareExchange(st, k + n, s, (s & ~RUN_STATE_MASK) | RUN_READING) !== s) break;
      n++;
    }
    return n;
  }

  /**
   * Make frame k uptodate (reading it, or waiting out the main thread's brief copy); false when its
   * read failed. @kernel mm/filemap.c filemap_fault() (a !uptodate folio is read again once)
   */
  ensure(k: number): boolean {
    const st = this.init.state;
    for (;;) {
      const s = Atomics.load(st, k) & RUN_STATE_MASK;
      if (s === RUN_UPTODATE) return true;
      if (s === RUN_NONE) {
        const n = this.claim(k);
        if (n > 0) return this.fill(k, n);
        continue;
      }
      Atomics.wait(st, k, Atomics.load(st, k), 5);
    }
  }

  /** Map uptodate page k into the view. */
  map(k: number, write: boolean): void {
    const at = this.init.viewIova + k * PAGE_SIZE;
    try {
      if (this.init.shared) {
        if (write) Atomics.or(this.init.state, k, RUN_DIRTY);
        this.peer.continue(at, PAGE_SIZE, write || !this.init.wp ? 0 : UFFDIO_CONTINUE_MODE_WP);
      } else {
        this.peer.copy(at, this.frameIova(k), PAGE_SIZE);
      }
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      this.peer.wake(at, PAGE_SIZE);
    }
  }

  /**
   * Serve one fault. Whatever fails, the faulting thread is released: mapped when its page is
   * uptodate, else answered by `faultReadError` (SIGBUS or the opt-in zero page).
   */
  serve(ev: UffdEvent): void {
    const k = Math.floor((ev.iova - this.init.viewIova) / PAGE_SIZE);
    if (k < 0 || k >= this.init.nrPages) return;
    const write = (ev.flags & UFFD_PAGEFAULT_FLAG_WRITE) !== 0;
    this.served++;
    let ok = false;
    try {
      ok = this.ensure(k);
      if (ok) this.map(k, write);
    } catch {
      ok = false;
    }
    if (!ok) faultReadError(this.peer, this.init, k, pageToIova(this.mem, this.zero));
  }
}

type FaultModule = { openFaultDevice?: (mem: MemMap, options: unknown) => FaultDevice | Promise<FaultDevice> };

/** Load the embedder's module and open the worker's device; everything is released on failure. */
async function start(init: FaultServerInit): Promise<FaultServer> {
  const mod = (await import(init.module)) as FaultModule;
  if (typeof mod.openFaultDevice !== 'function') {
    throw new BiopathError('EINVAL', `mmap(opts.faultServer.module): ${init.module} does not export openFaultDevice()`);
  }
  const mem = createMemMap({ nrPages: 2 * init.clusterPages + 8 });
  let dev: FaultDevice | null = null;
  try {
    dev = await mod.openFaultDevice(mem, init.options);
    return new FaultServer(init, mem, dev, new UserfaultfdPeer(init.uffdId));
  } catch (e) {
    dev?.close();
    destroyMemMap(mem);
    throw e;
  }
}

async function main(): Promise<void> {
  const init = workerData as FaultServerInit;
  let server: FaultServer;
  try {
    server = await start(init);
  } catch (e) {
    parentPort!.postMessage({ failed: describeStartError(e) });
    return;
  }
  parentPort!.postMessage({ ready: true });
  try {
    for (;;) {
      const evs = server.peer.waitDeferred(200, 64);
      if (evs === null) break;
      for (const ev of evs) server.serve(ev);
    }
  } finally {
    server.peer.close();
    server.dev.close();
    destroyMemMap(server.mem);
  }
}

void main();
