/**
 * @biopath/blockdev — the embedder's API over the biopath stack: `openBlockDevice(target, options)`
 * → a handle with promise-based read/write/readv/writev/flush/discard/writeZeroes, `stat()`,
 * `stats()`, arena-backed zero-copy buffers (`allocBuffer`) and `close()`. Direct IO goes through
 * block's `blkdevDirectIO` (pin, get or list), buffered IO through @biopath/page-cache; the driver
 * is one of @biopath/nvme's (`bdev`, `nvme`, `null`, `faulty`).
 */
export { openBlockDevice, BlockDeviceHandle } from './block-device.ts';
export type { OpenOptions, DriverName, Strategy } from './options.ts';
export type { BlockDeviceStat, BlockDeviceStats, ReadRange, WriteRange } from './types.ts';
