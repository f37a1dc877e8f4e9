/**
 * Block devices and image files: open (optionally O_DIRECT), describe, close.
 */
import { binding, callNative } from './binding.ts';
import { boolArg, I32_MAX, intArg, optsArg, pathArg } from './args.ts';

export interface DeviceInfo {
  isBlock: boolean;
  size: number;
  logicalBlockSize: number;
  physicalBlockSize: number;
  /** Memory alignment mask for O_DIRECT buffers (511 = 512-byte aligned; 3 = 4-byte aligned). */
  dmaAlignment: number;
  maxSectorsKb: number;
  maxHwSectorsKb: number;
  maxSegments: number;
  maxSegmentSize: number;
  virtBoundaryMask: number;
  rotational: boolean;
  major: number;
  minor: number;
  /** Kernel name (`loop3`, `nvme0n1`), empty for files. */
  name: string;
  /** NVMe namespace id, or 0 / negative when not NVMe. */
  nsid: number;
  /** Matching NVMe generic char device (`/dev/ng0n1`) or ''. */
  ngPath: string;
}

export interface OpenOptions {
  write?: boolean;
  direct?: boolean;
  create?: boolean;
}

/**
 * Open `path`; returns the fd (O_CLOEXEC). Errors carry open(2)'s errno: ENOENT for a missing
 * device, EACCES, EINVAL when O_DIRECT is not supported there.
 */
export function openDevice(path: string, opts?: OpenOptions): number {
  pathArg('openDevice(path)', path);
  const o = optsArg<OpenOptions>('openDevice(opts)', opts);
  const write = boolArg('openDevice(opts.write)', o.write, false);
  const direct = boolArg('openDevice(opts.direct)', o.direct, true);
  const create = boolArg('openDevice(opts.create)', o.create, false);
  return callNative(() => binding.openDevice(path, write, direct, create));
}

/**
 * close(2) of an fd {@link openDevice} returned. EBADF for any other fd, e.g. a ring's or one
 * already closed: handles close their own fds, so a stale number never closes a file that reused it.
 */
export function closeFd(fd: number): void {
  intArg('closeFd(fd)', fd, 0, I32_MAX);
  callNative(() => binding.closeFd(fd));
}

/** Size, block sizes and queue limits (ioctls + sysfs for block devices; statx for files). */
export function deviceInfo(fd: number): DeviceInfo {
  intArg('deviceInfo(fd)', fd, 0, I32_MAX);
  return callNative(() => binding.deviceInfo(fd));
}
