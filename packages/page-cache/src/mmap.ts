/**
 * `mmap` of a range of an address space: real memory the JS thread reads and writes as a Buffer,
 * whose pages are the page cache's own frames, filled on first touch by a fault worker through
 * userfaultfd (MINOR faults on an alias of the cache's memfd for shared mappings; MISSING faults
 * filled by copy for private ones). Writes through a shared mapping dirty the cache; `msync`
 * writes them to the device. Optionally the same frames are mapped into an emulated process
 * (`MmStruct`), so user-backed iterators (O_DIRECT into the mapping) pin the cache folios.
 * @kernel mm/filemap.c generic_file_mmap(), filemap_fault(); mm/msync.c; mm/mmap.c do_munmap()
 */
import { Worker } from 'node:worker_threads';
import { xaLoad } from '@biopath/iov-iter';
import { folioMaybeDmaPinned, PAGE_SIZE, PG_uptodate, putPage, type MmStruct } from '@biopath/mm';
import { checkLive, openCacheFile, type AddressSpace, type CacheFile } from './address-space.ts';
import { filemapAddFolio, filemapRemoveFolio, folioTestDirty } from './filemap.ts';
import { blkdevIssueFlush } from './flush.ts';
import { folioLock, folioTestWriteback, folioTrylock, folioUnlock, folioWaitWriteback } from './folio-wait.ts';
import {
  arenaAliasRange, arenaCreate, arenaFree, BiopathError, errnoName, uffdProbe, Userfaultfd, UFFDIO_REGISTER_MODE_MINOR,
  UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_WP, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
} from './internal/native.ts';
import { defBlkAops } from './def-blk-aops.ts';
import { allocRunFrames, replaceCacheFolio } from './mmap-alloc.ts';
import { mmapRunAops } from './mmap-aops.ts';
import { runCollectDirty } from './mmap-sync.ts';
import { MmapRun, RUN_DIRTY, RUN_ERROR, RUN_STATE_MASK, RUN_UPTODATE } from './mmap-run.ts';
import type { FaultServerInit, FaultServerSpec, MmapReadError, StartError } from './mmap-types.ts';
import { checkFaultAround, checkFaultServer, checkMmapRange } from './mmap-args.ts';
import { mapIntoMm, unmapFromMm } from './mmap-user.ts';
import { frameView } from './page-cache.ts';
import { PG_mmap_run } from './page-flags.ts';
import { collectGupDirty, fileCheckAndAdvanceWbErr, filemapWriteAndWaitRange } from './writeback.ts';

export interface MmapOpts {
  /** MAP_SHARED (default): writes reach the cache and the device. false: MAP_PRIVATE copies. */
  shared?: boolean;
  /** Also map the frames into this emulated process (see `FileMapping.userAddr`). */
  mm?: MmStruct;
  /** How the fault worker reaches the device (default: the address space's `faultServer`). */
  faultServer?: FaultServerSpec;
  /**
   * What touching a page whose read fails does: `'sigbus'` (default, as Linux; from the JS thread
   * that kills the process) or `'zero'` (opt-in: the page reads as zeroes, writes to it are
   * discarded, it is never written back; msync rejects with EIO). See {@link MmapReadError}.
   */
  readError?: MmapReadError;
  /**
   * Bytes around a read fault that are mapped with it when the cache already holds them, as the
   * kernel's `fault_around_bytes` (default 65536; a power of two from 4096, which maps the
   * faulting page only, to 2 MiB). Shared mappings only.
   */
  faultAroundBytes?: number;
}

/** A live mapping. @kernel include/linux/mm_types.h struct vm_area_struct (of a file) */
export interface FileMapping {
  readonly as: AddressSpace;
  /** Byte offset in the address space, and length. */
  readonly offset: number;
  readonly length: number;
  readonly shared: boolean;
  /** The mapped memory (valid until `munmap`). */
  readonly buffer: Buffer;
  /** Address in `mm` of the same frames, or -1. */
  readonly userAddr: number;
  readonly run: MmapRun;
  /** Error cursor `msync` reports from. */
  readonly file: CacheFile;
  unmapped: boolean;
}

const faultWorkerUrl = new URL('./fault-worker.mjs', import.meta.url);


/** Put frame `frame` at `index`: move a cached folio's contents in, or insert it empty. */
async function adoptFrame(as: AddressSpace, run: MmapRun, k: number): Promise<void> {
  const pc = as.pc;
  const frame = run.firstPfn + k;
  const index = run.firstIndex + k;
  for (;;) {
    const old = xaLoad(as.i_pages, index);
    if (old === null) {
      filemapAddFolio(as, frame, index);
      folioUnlock(pc, frame);
      frameView(pc, frame)[0] = 0;
      break;
    }
    if (!folioTrylock(pc, old)) await folioLock(pc, old);
    if (pc.mapping[old] !== as.id || pc.index[old] !== index || folioTestWriteback(pc, old)) {
      folioUnlock(pc, old);
      await folioWaitWriteback(pc, old);
      continue;
    }
    if (folioMaybeDmaPinned(pc.mem, old) || pc.mem.refcount[old] !== 1) {
      folioUnlock(pc, old);
      throw new BiopathError('EBUSY', `mmap: page ${index} is pinned or referenced and cannot move into the mapping`);
    }
    replaceCacheFolio(as, old, frame);
    break;
  }
  pc.flags[frame] |= PG_mmap_run;
  if ((pc.mem.flags[frame] & PG_uptodate) !== 0) Atomics.store(run.state, k, RUN_UPTODATE);
}

function uffdFeatures(shared: boolean): { ok: boolean; wp: boolean } {
  const f = uffdProbe().features;
  return { ok: !shared || (f & UFFD_FEATURE_MINOR_SHMEM) !== 0, wp: shared && (f & UFFD_FEATURE_WP_HUGETLBFS_SHMEM) !== 0 };
}

/**
 * Create the view and its userfaultfd. The native handler serves faults on uptodate frames from
 * the run's state words (mapping cached neighbours too); every other fault goes to the worker.
 */
function setupView(as: AddressSpace, run: MmapRun, wp: boolean, faultAroundBytes: number): void {
  const len = run.nrPages * PAGE_SIZE;
  const framesIova = as.pc.mem.region.iova + run.firstPfn * PAGE_SIZE;
  run.view = run.shared ? arenaAliasRange(as.pc.mem.region.id, run.firstPfn * PAGE_SIZE, len) : arenaCreate(len);
  run.uffd = new Userfaultfd();
  const modes = run.shared ? UFFDIO_REGISTER_MODE_MINOR | (wp ? UFFDIO_REGISTER_MODE_WP : 0) : UFFDIO_REGISTER_MODE_MISSING;
  run.uffd.register(run.view.iova, len, modes);
  run.uffd.setFrameResolver(run.view.iova, len, {
    state: run.state, mask: RUN_STATE_MASK, value: RUN_UPTODATE, dirty: run.shared ? RUN_DIRTY : 0,
    writeProtectReads: run.shared && wp, faultAround: run.shared ? faultAroundBytes / PAGE_SIZE : 1,
    copyFromIova: run.shared ? undefined : framesIova,
  });
  run.lostEvents = run.shared && !wp;
}


/** Pages one fault reads at most: the readahead window (rounded down to a power of two, 1..256). */
function faultAroundPages(as: AddressSpace): number {
  let n = 1;
  while (n * 2 <= Math.min(256, Math.max(1, as.ra_pages), as.io.maxPages)) n *= 2;
  return n;
}


/** The coded error for a fault worker that did not start. */
function startError(spec: FaultServerSpec, f: StartError): BiopathError {
  const code = f.code === 'ERR_MODULE_NOT_FOUND' ? 'ENOENT' : /^E[A-Z0-9]+$/.test(f.code) ? f.code : 'EINVAL';
  return new BiopathError(code, `mmap(opts.faultServer.module): the fault worker could not start from ${spec.module}: ${f.message}`);
}

/**
 * Start the fault worker (its supervisor) and wait until its server is attached. On failure the
 * worker has exited, and released everything it took, before this rejects with a coded error.
 */
async function startWorker(as: AddressSpace, run: MmapRun, spec: FaultServerSpec, wp: boolean, readError: MmapReadError): Promise<void> {
  const init: FaultServerInit = {
    role: 'supervisor', module: spec.module, options: spec.options ?? null, uffdId: run.uffd!.id, viewIova: run.view!.iova,
    framesIova: as.pc.mem.region.iova + run.firstPfn * PAGE_SIZE, devPos: as.start + run.firstIndex * PAGE_SIZE,
    nrPages: run.nrPages, sizeBytes: as.i_size - run.firstIndex * PAGE_SIZE, state: run.state, shared: run.shared, wp,
    clusterPages: faultAroundPages(as), readError,
  };
  const w = new Worker(faultWorkerUrl, { workerData: init });
  const exited = new Promise<number>((resolve) => w.once('exit', resolve));
  let failed: StartError | null = null;
  w.on('error', (e: Error) => {
    failed ??= { message: e.message, code: (e as { code?: string }).code ?? '' };
  });
  const ready = await new Promise<boolean>((resolve) => {
    w.on('message', (m: { ready?: boolean; failed?: StartError }) => {
      if (m.failed) failed ??= m.failed;
      if (m.ready || m.failed) resolve(m.ready === true);
    });
    void exited.then(() => resolve(false));
  });
  if (!ready) {
    run.uffd?.close();
    const code = await exited;
    throw startError(spec, failed ?? { message: `the fault worker exited (${code}) before it was ready`, code: 'EIO' });
  }
  run.stopWorker = async () => {
    run.uffd?.close();
    await exited;
  };
}

/**
 * Map bytes `[offset, offset + length)` of `as` (page-aligned offset). The pages are the cache's
 * frames (moved into one linear run); touching one the cache does not hold yet blocks the toucher,
 * even the JS thread itself, while the fault worker reads it. A page whose read fails is never
 * uptodate and never written back; touching it raises SIGBUS, or with `readError: 'zero'` reads
 * as zeroes (see {@link MmapOpts.readError}). If the fault worker dies, faults are answered the
 * same way, never left blocked. Rejects with EINVAL (range, options, a fault server module that
 * does not export `openFaultDevice` or fails in it), ENOENT (the module does not exist), EBUSY (a
 * page is pinned, or already mapped), ENOMEM, ENOTSUP (no userfaultfd MINOR faults on shmem);
 * nothing is left allocated then.
 */
export async function mmap(as: AddressSpace, offset: number, length: number, opts: MmapOpts = {}): Promise<FileMapping> {
  checkLive('mmap', as);
  checkMmapRange(as, offset, length);
  const shared = opts.shared ?? true;
  const spec = checkFaultServer(opts.faultServer ?? as.faultServer);
  const readError = opts.readError ?? 'sigbus';
  if (readError !== 'sigbus' && readError !== 'zero') {
    throw new BiopathError('EINVAL', `mmap(opts.readError): ${String(readError)} is neither 'sigbus' nor 'zero'`);
  }
  const faultAround = checkFaultAround(opts.faultAroundBytes);
  const feat = uffdFeatures(shared);
  if (!feat.ok) throw new BiopathError('ENOTSUP', 'mmap: userfaultfd MINOR faults on shmem are not available');
  const n = Math.ceil(length / PAGE_SIZE);
  const firstIndex = offset / PAGE_SIZE;
  for (const r of as.runs) {
    if (r.firstIndex < firstIndex + n && firstIndex < r.firstIndex + r.nrPages) throw new BiopathError('EBUSY', 'mmap: the range overlaps a live mapping');
  }
  const first = allocRunFrames(as.pc, n);
  if (first < 0) throw new BiopathError('ENOMEM', `mmap: no ${n} consecutive frames for the mapping`);
  const run = new MmapRun(as, firstIndex, n, first, shared);
  as.runs.push(run);
  as.a_ops = mmapRunAops;
  try {
    for (let k = 0; k < n; k++) await adoptFrame(as, run, k);
    setupView(as, run, feat.wp, faultAround);
    await startWorker(as, run, spec, feat.wp, readError);
    const userAddr = opts.mm ? await mapIntoMm(as, run, opts.mm) : -1;
    return {
      as, offset, length, shared, run, userAddr, unmapped: false, file: openCacheFile(as),
      buffer: Buffer.from(run.view!.buffer, 0, length),
    };
  } catch (e) {
    await releaseRun(as, run);
    throw e;
  }
}

/** Hand a run's frames back to the cache as ordinary folios (dropping those never filled). */
async function releaseRun(as: AddressSpace, run: MmapRun): Promise<void> {
  await run.stopWorker?.();
  run.stopWorker = null;
  run.uffd?.close();
  if (run.view !== null) arenaFree(run.view.id);
  run.view = null;
  run.uffd = null;
  as.runs.splice(as.runs.indexOf(run), 1);
  const pc = as.pc;
  for (let k = 0; k < run.nrPages; k++) {
    const frame = run.firstPfn + k;
    const s = Atomics.load(run.state, k);
    if (pc.mapping[frame] !== as.id || (pc.flags[frame] & PG_mmap_run) === 0) {
      if (pc.mapping[frame] === 0 && pc.mem.refcount[frame] === 1) putPage(pc.mem, frame);
      continue;
    }
    pc.flags[frame] &= ~PG_mmap_run;
    if ((s & RUN_STATE_MASK) === RUN_UPTODATE && (s & RUN_ERROR) === 0) pc.mem.flags[frame] |= PG_uptodate;
    else if (!folioTestDirty(pc, frame) && pc.mem.refcount[frame] === 1) filemapRemoveFolio(as, frame);
    else pc.mem.flags[frame] &= ~PG_uptodate;
  }
  if (as.runs.length === 0) as.a_ops = defBlkAops;
}

/** Account what was written through `run`'s view, and by DMA into its range, as dirty folios. */
function collectDirty(as: AddressSpace, run: MmapRun): void {
  const last = run.firstIndex + run.nrPages - 1;
  runCollectDirty(as, run.firstIndex, last);
  collectGupDirty(as, run.firstIndex, last);
}

/**
 * Write what was written through the mapping (and anything else dirty in its range) to the device
 * and flush it. Rejects with EIO when that writeback failed, or while a page of the mapping whose
 * read behind a fault failed is still not uptodate (such a page is never written).
 * @kernel mm/msync.c msync(MS_SYNC); fs/sync.c vfs_fsync_range()
 */
export async function msync(m: FileMapping): Promise<void> {
  if (m.unmapped) throw new BiopathError('EINVAL', 'msync(m): the mapping was unmapped');
  const as = m.as;
  await filemapWriteAndWaitRange(as, m.offset, m.offset + m.length - 1);
  const flushErr = await blkdevIssueFlush(as);
  const wbErr = fileCheckAndAdvanceWbErr(m.file);
  let readErr = false;
  for (let k = 0; k < m.run.nrPages; k++) if ((Atomics.load(m.run.state, k) & RUN_ERROR) !== 0) readErr = true;
  const err = wbErr !== 0 ? wbErr : flushErr !== 0 ? flushErr : readErr ? -5 : 0;
  if (err !== 0) throw new BiopathError(errnoName(-err), 'msync: writeback, flush or a fault read failed');
}

/**
 * Remove the mapping: what was written through it stays dirty in the cache (written by the next
 * writeback), the fault worker stops, the view and the emulated mapping go away. Pins taken
 * through the mapping outlive it, as in the kernel. The Buffer must not be used afterwards.
 * @kernel mm/mmap.c do_munmap()
 */
export async function munmap(m: FileMapping): Promise<void> {
  if (m.unmapped) return;
  m.unmapped = true;
  const as = m.as;
  if (m.userAddr >= 0) unmapFromMm(as, m.run);
  collectDirty(as, m.run);
  await releaseRun(as, m.run);
}

/** Unmap every live mapping of `as` (used when it is destroyed). */
export async function munmapAll(as: AddressSpace, _writeback: boolean): Promise<void> {
  for (const um of [...as.userMaps]) unmapFromMm(as, um.run);
  while (as.runs.length > 0) {
    const run = as.runs[as.runs.length - 1]!;
    collectDirty(as, run);
    await releaseRun(as, run);
  }
}

