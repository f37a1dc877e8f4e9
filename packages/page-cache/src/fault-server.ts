/**
 * The mmap fault worker: a worker thread with its own MemMap (bounce frames), its own block queue
 * and driver (opened by the embedder's `openFaultDevice`), attached as a UserfaultfdPeer to the
 * mapping's userfaultfd. It serves the faults the native handler thread defers — those on frames
 * that are not uptodate (the handler maps uptodate ones itself, see mmap-run.ts) — so the JS
 * thread may block in a fault without deadlock: the worker never waits for it.
 *
 * One wake serves every fault queued meanwhile: each empty frame a fault needs is claimed with the
 * empty frames after it (fault-around, up to the readahead window), all those clusters are read in
 * one batch of bios into bounce frames (fault-read.ts), copied into the run and marked uptodate,
 * and then each fault's page is mapped (write-protected unless it was a write fault, which marks
 * the page dirty instead). Private views get a copy of the frame (UFFDIO_COPY). A failed cluster
 * read is retried for the faulting page alone; if that fails too the frame stays not uptodate
 * (NONE | ERROR) and the fault is answered by `faultReadError` (SIGBUS, or the opt-in zero page).
 * Any exception while serving a fault is answered the same way; if the whole thread dies, the
 * supervisor (fault-supervisor.ts) takes over. The last page is read only up to the range's end.
 * @kernel mm/filemap.c filemap_fault(), do_sync_mmap_readahead(); mm/shmem.c (MINOR userfaults)
 */
import { parentPort, workerData } from 'node:worker_threads';
import { allocPages, createMemMap, destroyMemMap, pageToIova, PAGE_SIZE, type MemMap } from '@biopath/mm';
import { faultReadError, runFailClaimed } from './fault-error.ts';
import { FaultReader, type FaultRead } from './fault-read.ts';
import {
  arenaCopy, BiopathError, UserfaultfdPeer, UFFDIO_CONTINUE_MODE_WP, UFFD_PAGEFAULT_FLAG_WRITE, type UffdEvent,
} from './internal/native.ts';
import { RUN_DIRTY, RUN_ERROR, RUN_NONE, RUN_READING, RUN_STATE_MASK, RUN_UPTODATE } from './mmap-run.ts';
import { describeStartError, type FaultDevice, type FaultServerInit } from './mmap-types.ts';

/** Faults one wake takes from the queue: all of them (the peer queue's own limit). */
const MAX_FAULTS_PER_WAKE = 65536;
/** Bounce frames per wake: room for this many full clusters read at once. */
const CLUSTERS_PER_BATCH = 4;

/** The bounce pages a server of `init` reads through (a power of two). */
export function bouncePages(init: FaultServerInit): number {
  return init.clusterPages * CLUSTERS_PER_BATCH;
}

class FaultServer {
  readonly bounce: number;
  readonly zero: number;
  readonly reader: FaultReader;
  served = 0;
  reads = 0;

  constructor(readonly init: FaultServerInit, readonly mem: MemMap, readonly dev: FaultDevice, readonly peer: UserfaultfdPeer) {
    this.bounce = allocPages(mem, Math.log2(bouncePages(init)));
    this.zero = allocPages(mem, 0, { zero: true });
    this.reader = new FaultReader(mem, init.devPos, init.sizeBytes, () => dev.bdev);
  }

  frameIova(k: number): number {
    return this.init.framesIova + k * PAGE_SIZE;
  }

  /** Read `reads` (claimed clusters) in one batch; then copy each good one in and mark it uptodate. */
  fillAll(reads: FaultRead[]): void {
    this.reads += reads.length;
    this.reader.readAll(reads);
    for (const r of reads) {
      if (r.status !== 0 && r.ra) this.giveBack(r.k, r.k + r.n);
      else if (r.status !== 0 && r.n > 1) this.retryAlone(r);
      this.commit(r);
    }
  }

  /** Frames [from, to) claimed for a read that failed go back to empty (not failed: nobody needed them). */
  giveBack(from: number, to: number): void {
    const st = this.init.state;
    for (let j = from; j < to; j++) {
      Atomics.store(st, j, RUN_NONE);
      Atomics.notify(st, j);
    }
  }

  /** A failed cluster read: give back k+1.. (still empty) and read page k alone once more. */
  retryAlone(r: FaultRead): void {
    this.giveBack(r.k + 1, r.k + r.n);
    r.n = 1;
    this.reads++;
    this.reader.readAll([r]);
  }

  /**
   * Copy a finished read into its run frames and mark them uptodate; a failed one leaves them
   * NONE | ERROR (never uptodate). Throws if the run's memory is gone (claims released first).
   */
  commit(r: FaultRead): void {
    const st = this.init.state;
    try {
      for (let j = 0; r.status === 0 && j < r.n; j++) {
        arenaCopy(this.frameIova(r.k + j), pageToIova(this.mem, r.bounce + j), PAGE_SIZE);
        Atomics.store(st, r.k + j, RUN_UPTODATE);
        Atomics.notify(st, r.k + j);
      }
    } finally {
      runFailClaimed(this.init, r.k, r.n);
    }
  }

  /** Claim frame k and up to `max - 1` empty, not-failed frames after it (fault-around); how many. */
  claim(k: number, max: number): number {
    const st = this.init.state;
    let n = 0;
    while (n < max && k + n < this.init.nrPages) {
      const s = Atomics.load(st, k + n);
      if ((s & RUN_STATE_MASK) !== RUN_NONE || (n > 0 && (s & RUN_ERROR) !== 0)) break;
      if (Atomics.compareExchange(st, k + n, s, (s & ~RUN_STATE_MASK) | RUN_READING) !== s) break;
      n++;
    }
    return n;
  }

  /**
   * Make frame k uptodate (reading it alone, or waiting out the main thread's brief copy); false
   * when its read failed. @kernel mm/filemap.c filemap_fault() (a !uptodate folio is read again once)
   */
  ensure(k: number): boolean {
    const st = this.init.state;
    for (;;) {
      const s = Atomics.load(st, k) & RUN_STATE_MASK;
      if (s === RUN_UPTODATE) return true;
      if (s === RUN_NONE) {
        const n = this.claim(k, this.init.clusterPages);
        if (n === 0) continue;
        const r: FaultRead = { k, n, bounce: this.bounce, status: 0, ra: false };
        try {
          this.fillAll([r]);
        } catch (e) {
          runFailClaimed(this.init, k, n);
          throw e;
        }
        return r.status === 0;
      }
      Atomics.wait(st, k, Atomics.load(st, k), 5);
    }
  }

  /**
   * Map uptodate page k into the view. A write fault sets RUN_DIRTY first, and again after the
   * map if writeback's mkclean cleared it meanwhile (the page may be writable now).
   */
  map(k: number, write: boolean): void {
    const at = this.init.viewIova + k * PAGE_SIZE;
    const st = this.init.state;
    try {
      if (this.init.shared) {
        if (write) Atomics.or(st, k, RUN_DIRTY);
        this.peer.continue(at, PAGE_SIZE, write || !this.init.wp ? 0 : UFFDIO_CONTINUE_MODE_WP);
        if (write && (Atomics.load(st, k) & RUN_DIRTY) === 0) Atomics.or(st, k, RUN_DIRTY);
      } else {
        this.peer.copy(at, this.frameIova(k), PAGE_SIZE);
      }
    } catch (e) {
      if ((e as { code?: string }).code !== 'EEXIST') throw e;
      this.peer.wake(at, PAGE_SIZE);
    }
  }

  /**
   * Serve one fault whose frame the batch made ready (or left failed). Whatever fails, the
   * faulting thread is released: mapped when its page is uptodate, else answered by
   * `faultReadError` (SIGBUS or the opt-in zero page).
   */
  answer(k: number, write: boolean): void {
    let ok = false;
    try {
      ok = this.ensure(k);
      if (ok) this.map(k, write);
    } catch {
      ok = false;
    }
    if (!ok) faultReadError(this.peer, this.init, k, pageToIova(this.mem, this.zero));
  }

  /**
   * Serve a wake's worth of faults: claim a cluster for every empty frame they need while the
   * bounce frames last, read all those clusters in one batch, then answer each fault; faults on
   * empty frames left over (the bounce frames ran out) make the next round.
   */
  serveAll(evs: readonly UffdEvent[]): void {
    let todo: number[] = [];
    for (const ev of evs) {
      const k = Math.floor((ev.iova - this.init.viewIova) / PAGE_SIZE);
      if (k < 0 || k >= this.init.nrPages) continue;
      this.served++;
      todo.push(k, (ev.flags & UFFD_PAGEFAULT_FLAG_WRITE) !== 0 ? 1 : 0);
    }
    const room = bouncePages(this.init);
    while (todo.length > 0) {
      const now: number[] = [];
      const later: number[] = [];
      const reads: FaultRead[] = [];
      let used = 0;
      for (let i = 0; i < todo.length; i += 2) {
        const k = todo[i]!;
        if ((Atomics.load(this.init.state, k) & RUN_STATE_MASK) === RUN_NONE) {
          if (used >= room) {
            later.push(k, todo[i + 1]!);
            continue;
          }
          used = this.claimAround(k, reads, used);
        }
        now.push(k, todo[i + 1]!);
      }
      this.fillReads(reads);
      for (let i = 0; i < now.length; i += 2) this.answer(now[i]!, now[i + 1] === 1);
      todo = later;
    }
  }

  /**
   * Claim the cluster of a fault on empty frame k into `reads` (bounce frames from `used` on) and,
   * when the access looks sequential (k is the first page or follows an uptodate one), the
   * clusters after it while bounce frames last: readahead, one bio per cluster, all in the same
   * batch. Returns the bounce frames now used. @kernel mm/filemap.c do_sync_mmap_readahead()
   */
  claimAround(k: number, reads: FaultRead[], used: number): number {
    const cluster = this.init.clusterPages;
    const room = bouncePages(this.init);
    const st = this.init.state;
    const sequential = k === 0 || (Atomics.load(st, k - 1) & RUN_STATE_MASK) === RUN_UPTODATE;
    for (let at = k, ra = false; used < room && at < this.init.nrPages; ra = true) {
      if (ra && (Atomics.load(st, at) & RUN_ERROR) !== 0) break; // a failed page is read only when faulted
      const n = this.claim(at, Math.min(cluster, room - used));
      if (n > 0) reads.push({ k: at, n, bounce: this.bounce + used, status: 0, ra });
      used += n;
      at += n;
      if (!sequential || n < cluster) break;
    }
    return used;
  }

  /** {@link fillAll}, but an exception (the run's memory gone) only fails the claims. */
  fillReads(reads: FaultRead[]): void {
    try {
      this.fillAll(reads);
    } catch {
      for (const r of reads) runFailClaimed(this.init, r.k, r.n);
    }
  }
}

type FaultModule = { openFaultDevice?: (mem: MemMap, options: unknown) => FaultDevice | Promise<FaultDevice> };

/** Load the embedder's module and open the worker's device; everything is released on failure. */
async function start(init: FaultServerInit): Promise<FaultServer> {
  const mod = (await import(init.module)) as FaultModule;
  if (typeof mod.openFaultDevice !== 'function') {
    throw new BiopathError('EINVAL', `mmap(opts.faultServer.module): ${init.module} does not export openFaultDevice()`);
  }
  const mem = createMemMap({ nrPages: 2 * bouncePages(init) + 8 });
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
      const evs = server.peer.waitDeferred(200, MAX_FAULTS_PER_WAKE);
      if (evs === null) break;
      server.serveAll(evs);
    }
  } finally {
    server.peer.close();
    server.dev.close();
    destroyMemMap(server.mem);
  }
}

void main();
