/**
 * Shapes shared by the mapping code and its fault worker.
 */
import type { BlockDevice } from '@biopath/block';

/**
 * Where the fault worker gets its own path to the device: a module exporting
 * `openFaultDevice(mem, options)` that builds a driver, queue and block device over the worker's
 * MemMap (for example a `bdev` driver on the same device path) and returns it with `close()`.
 */
export interface FaultServerSpec {
  /** Module specifier the worker imports (a file URL string is safest). */
  module: string;
  /** Passed to `openFaultDevice` (structured-cloned into the worker). */
  options?: unknown;
}

/** What `openFaultDevice` returns. */
export interface FaultDevice {
  bdev: BlockDevice;
  close(): void;
}

/**
 * What a fault whose page cannot be read gets: `'sigbus'` (default, as Linux: the access raises
 * SIGBUS, which kills a Node process when the JS thread made it) or `'zero'` (opt-in: the page
 * reads as zeroes, stays clean and is never written back; msync reports EIO).
 */
export type MmapReadError = 'sigbus' | 'zero';

/** workerData of the fault worker (supervisor and server). */
export interface FaultServerInit {
  /** Which thread this is: the supervisor the mapping starts, or the server it starts. */
  role: 'supervisor' | 'server';
  module: string;
  options: unknown;
  uffdId: number;
  viewIova: number;
  /** IOVA of run frame 0 (in the page cache's MemMap region). */
  framesIova: number;
  /** Device byte offset of run page 0. */
  devPos: number;
  nrPages: number;
  /** Bytes of the address space from run page 0 on: a last page past it is read only in part. */
  sizeBytes: number;
  state: Int32Array;
  shared: boolean;
  /** Pages may be mapped write-protected (write faults are tracked). */
  wp: boolean;
  /** Largest read one fault starts (fault-around), a power of two. @kernel file_ra_state.ra_pages */
  clusterPages: number;
  readError: MmapReadError;
}

/** A start failure as the worker posts it: `{ failed: StartError }`. */
export interface StartError {
  message: string;
  code: string;
}

/** Describe why the fault server could not start (structured-clone safe). */
export function describeStartError(e: unknown): StartError {
  const err = e as { message?: unknown; code?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  return { message: typeof err?.message === 'string' ? err.message : String(e), code };
}
