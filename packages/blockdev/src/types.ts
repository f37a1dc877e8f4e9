/**
 * Public shapes of @biopath/blockdev: ranges for readv/writev, `stat()` and `stats()`.
 */
import type { Profile } from '@biopath/mm';
import type { ReleaseModeName } from '@biopath/block';
import type { DriverName, Strategy } from './options.ts';

/** One range of `readv`: `length` bytes into a new buffer, or `buffer.byteLength` bytes into `buffer`. */
export interface ReadRange {
  offset: number;
  length?: number;
  buffer?: Uint8Array;
}

/** One range of `writev`. */
export interface WriteRange {
  offset: number;
  data: Uint8Array;
}

export interface BlockDeviceStat {
  /** Bytes (a logical-block multiple). */
  size: number;
  logicalBlockSize: number;
  physicalBlockSize: number;
  /** Largest request the queue builds (bigger IOs are split). */
  maxIoBytes: number;
  maxSegments: number;
  /** Buffer address alignment direct IO needs (dma_alignment + 1). */
  dmaAlignment: number;
  /** 0: not supported. */
  maxDiscardBytes: number;
  maxWriteZeroesBytes: number;
  writeCache: boolean;
  fua: boolean;
  driver: DriverName;
  /** What `faulty` wraps; the driver itself otherwise. */
  innerDriver: 'bdev' | 'nvme' | 'null';
  strategy: Strategy;
  profile: Profile;
  release: ReleaseModeName;
  queueDepth: number;
  direct: boolean;
  cacheBytes: number;
  readOnly: boolean;
}

export interface BlockDeviceStats {
  reads: number;
  writes: number;
  flushes: number;
  discards: number;
  writeZeroes: number;
  bytesRead: number;
  bytesWritten: number;
  /** Calls that rejected (device errors and refusals after queueing). */
  errors: number;
  /** Calls rejected with ECANCELED by close({ abort: true }). */
  cancelled: number;
  /** Direct IOs that went through a bounce buffer (the caller's buffer was not from allocBuffer). */
  bounced: number;
  /** Bytes copied between a caller's buffer and arena memory (bounce buffers, page cache). */
  bytesCopied: number;
  /** Calls queued or in flight. */
  inFlight: number;
  /** FOLL_PIN pins on the handle's memory: mm's NR_FOLL_PIN_ACQUIRED / RELEASED. */
  pinsAcquired: number;
  pinsReleased: number;
  /** FOLL_GET references taken by strategy `get` and given back. */
  refsTaken: number;
  refsReleased: number;
  /** Buffered handles: pages found cached and uptodate / not, before each read or write. */
  cacheHits: number;
  cacheMisses: number;
}
