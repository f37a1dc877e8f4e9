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

/** workerData of the fault worker. */
export interface FaultServerInit {
  module: string;
  options: unknown;
  uffdId: number;
  viewIova: number;
  /** IOVA of run frame 0 (in the page cache's MemMap region). */
  framesIova: number;
  /** Device byte offset of run page 0. */
  devPos: number;
  nrPages: number;
  state: Int32Array;
  shared: boolean;
  /** Pages may be mapped write-protected (write faults are tracked). */
  wp: boolean;
  /** Largest read one fault starts (fault-around), a power of two. @kernel file_ra_state.ra_pages */
  clusterPages: number;
}
