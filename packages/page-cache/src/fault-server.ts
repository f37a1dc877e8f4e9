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
 * @kernel mm/filemap.c filemap_fault(), do_sync_mmap_readahead(); mm/shmem.c (MINOR userfaults)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { REQ_OP_READ, SECTOR_SIZE, bioAddPage, bioAlloc, bioPut, submitBioWait, type BlockDevice } from '@biopath/block';
import { allocPages, createMemMap, destroyMemMap, pageToIova, PAGE_SIZE, type MemMap } from '@biopath/mm';
import {
  arenaCopy, UserfaultfdPeer, UFFDIO_CONTINUE_MODE_WP, UFFD_PAGEFAULT_FLAG_WRITE, type UffdEvent,
} from './internal/native.ts';
import { RUN_DIRTY, RUN_ERROR, RUN_NONE, RUN_READING, RUN_STATE_MASK, RUN_UPTODATE } from './mmap-run.ts';
import type { FaultDevice, FaultServerInit } from './mmap-types.ts';

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

  /** Read device pages of frames [k, k + n) into the bounce frames; 0 or a negative errno. */
  readDevice(k: number, n: number): number {
    const bdev: BlockDevice = this.dev.bdev;
    const bio = bioAlloc(bdev, n, REQ_OP_READ);
    bio.bi_iter.bi_sector = (this.init.devPos + k * PAGE_SIZE) / SECTOR_SIZE;
    for (let j = 0; j < n; j++) bioAddPage(bio, this.bounce + j, PAGE_SIZE, 0);
    try {
      return submitBioWait(bio);
    } catch {
      return -5;
    } finally {
      bioPut(bio);
      this.reads++;
    }
  }

  /** Fill claimed frames [k, k + n); a failed read leaves them zeroed and flagged RUN_ERROR. */
  fill(k: number, n: number): void {
    const err = this.readDevice(k, n);
    const st = this.init.state;
    for (let j = 0; j < n; j++) {
      const src = err === 0 ? this.bounce + j : this.zero;
      arenaCopy(this.frameIova(k + j), pageToIova(this.mem, src), PAGE_SIZE);
      Atomics.store(st, k + j, RUN_UPTODATE | (err === 0 ? 0 : RUN_ERROR));
      Atomics.notify(st, k + j);
    }
  }

  /** Claim frame k and the empty frames after it (fault-around); returns how many. */
  claim(k: number): number {
    const st = this.init.state;
    let n = 0;
    while (n < this.init.clusterPages && k + n < this.init.nrPages) {
      const s = Atomics.load(st, k + n);
      if ((s & RUN_STATE_MASK) !== RUN_NONE) break;
      if (Atomics.compareExchange(st, k + n, s, (s & ~RUN_STATE_MASK) | RUN_READING) !== s) break;
      n++;
    }
    return n;
  }

  /** Make frame k uptodate (reading it, or waiting out the main thread's brief copy). */
  ensure(k: number): void {
    const st = this.init.state;
    for (;;) {
      const s = Atomics.load(st, k) & RUN_STATE_MASK;
      if (s === RUN_UPTODATE) return;
      if (s === RUN_NONE) {
        const n = this.claim(k);
        if (n > 0) this.fill(k, n);
        continue;
      }
      Atomics.wait(st, k, Atomics.load(st, k), 5);
    }
  }

  /** Map page k into the view. */
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

  /** Serve one fault. Whatever fails, the faulting thread is released (never left blocked). */
  serve(ev: UffdEvent): void {
    const k = Math.floor((ev.iova - this.init.viewIova) / PAGE_SIZE);
    if (k < 0 || k >= this.init.nrPages) return;
    const write = (ev.flags & UFFD_PAGEFAULT_FLAG_WRITE) !== 0;
    try {
      this.ensure(k);
    } catch {
      Atomics.store(this.init.state, k, RUN_UPTODATE | RUN_ERROR);
      arenaCopy(this.frameIova(k), pageToIova(this.mem, this.zero), PAGE_SIZE);
    }
    try {
      this.map(k, write);
    } catch {
      this.peer.wake(this.init.viewIova + k * PAGE_SIZE, PAGE_SIZE);
    }
    this.served++;
  }
}

async function main(): Promise<void> {
  const init = workerData as FaultServerInit;
  const mem = createMemMap({ nrPages: 2 * init.clusterPages + 8 });
  const mod = (await import(init.module)) as { openFaultDevice: (mem: MemMap, options: unknown) => FaultDevice | Promise<FaultDevice> };
  const dev = await mod.openFaultDevice(mem, init.options);
  const peer = new UserfaultfdPeer(init.uffdId);
  const server = new FaultServer(init, mem, dev, peer);
  parentPort!.postMessage({ ready: true });
  try {
    for (;;) {
      const evs = peer.waitDeferred(200, 64);
      if (evs === null) break;
      for (const ev of evs) server.serve(ev);
    }
  } finally {
    peer.close();
    dev.close();
    destroyMemMap(mem);
  }
  parentPort!.postMessage({ served: server.served, reads: server.reads });
}

void main();
