/**
 * Block devices and image files: open (optionally O_DIRECT), describe, close.
 */
import { binding, callNative } from './binding.ts';
import { check } from './errors.ts';

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
export function openDevice(path: string, opts: OpenOptions = {}): number {
  check(typeof path === 'string' && path.length > 0, 'EINVAL', 'openDevice(path): must be a non-empty string');
  return callNative(() => binding.openDevice(path, opts.write ?? false, opts.direct ?? true, opts.create ?? false));
}

/** close(2); EBADF if `fd` is not open. */
export function closeFd(fd: number): void {
  callNative(() => binding.closeFd(fd));
}

/** Size, block sizes and queue limits (ioctls + sysfs for block devices; statx for files). */
export function deviceInfo(fd: number): DeviceInfo {
  return callNative(() => binding.deviceInfo(fd));
}
