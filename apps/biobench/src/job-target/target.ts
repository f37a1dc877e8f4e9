/**
 * The target a job runs on: biobench's temporary image, or a device/file the user named,
 * checked (exists, right kind, writable if the job writes, allowed to be written, O_DIRECT
 * possible) before anything is opened for writing, with a message that says what to do.
 */
import { existsSync, statSync } from 'node:fs';
import { closeFd, deviceInfo, openDevice } from '@biopath/native';
import type { DeviceInfo } from '@biopath/native';
import { resolveSize, sizeOrPercent } from '../options/kinds-fio.ts';
import type { SizeOrPercent } from '../options/kinds-fio.ts';
import { UsageError } from '../cli/errors.ts';
import { showSize } from '../options/kinds.ts';
import { checkWriteAllowed } from './safety.ts';
import { createTempImage, removeTempImage } from './temp-image.ts';

export const DEFAULT_TEMP_SIZE = 128 << 20;

export interface Target {
  path: string;
  /** `null`: no device at all (the stack engine's null driver without --target). */
  kind: 'file' | 'block' | 'nvme-generic' | 'null';
  temporary: boolean;
  /** Bytes. */
  size: number;
  logicalBlockSize: number;
  /** O_DIRECT buffer alignment mask (511 = 512-byte aligned). */
  dmaAlignment: number;
  maxIoBytes: number;
  /** Kernel name (`loop3`), '' for files. */
  name: string;
  info: DeviceInfo | null;
  /** Writes were checked and are allowed. */
  writable: boolean;
  /** Remove the temporary image (no-op for a named target). Idempotent. */
  release(): void;
}

export interface TargetRequest {
  path: string | null;
  /** Size of the temporary image when `path` is null. */
  tempSize: number;
  write: boolean;
  writeReason: string;
  direct: boolean;
  allowDestructive: boolean;
}

/** Resolve and check a target; creates the temporary image when none is named. */
export function resolveTarget(r: TargetRequest): Target {
  if (r.path === null) return tempTarget(r);
  const kind = kindOf(r.path);
  const info = kind === 'nvme-generic' ? nvmeNamespaceInfo(r.path) : probeOpen(r.path, false, r.direct);
  const devno = info ? `${info.major}:${info.minor}` : '';
  if (r.write) {
    checkWriteAllowed({ path: r.path, kind, temporary: false, allowDestructive: r.allowDestructive, reason: r.writeReason, devno, name: info?.name ?? '' });
    if (kind !== 'nvme-generic') probeOpen(r.path, true, r.direct);
  }
  return fromInfo(r.path, kind, false, info, r.write);
}

/** A /dev/ngXnY char device has no size of its own: ask its block device /dev/nvmeXnY (read-only). */
function nvmeNamespaceInfo(ngPath: string): DeviceInfo | null {
  const block = ngPath.replace(/\/ng(\d+n\d+)$/, '/nvme$1');
  return existsSync(block) ? probeOpen(block, false, false) : null;
}

/** How a message names the target. */
export function describeTarget(t: Pick<Target, 'kind' | 'temporary' | 'path'>): string {
  if (t.kind === 'null') return 'no device (null driver)';
  return t.temporary ? `a temporary image (${t.path}, removed afterwards)` : t.path;
}

/** No device: what the null driver completes against (nothing is created or written). */
export function nullTarget(sizeBytes: number): Target {
  return { ...fromInfo('(null driver)', 'null', true, null, true), size: sizeBytes, logicalBlockSize: 512, dmaAlignment: 511 };
}

function tempTarget(r: TargetRequest): Target {
  const path = createTempImage(r.tempSize);
  try {
    return fromInfo(path, 'file', true, probeOpen(path, true, r.direct), true);
  } catch (e) {
    removeTempImage(path);
    if (e instanceof UsageError && r.direct) {
      throw new UsageError(`${e.message} (the temporary image lives in ${path}; set BIOBENCH_TMPDIR to a directory on a filesystem with O_DIRECT, or use --direct 0)`, e.code);
    }
    throw e;
  }
}

function fromInfo(path: string, kind: Target['kind'], temporary: boolean, info: DeviceInfo | null, writable: boolean): Target {
  let released = false;
  return {
    path, kind, temporary, info, writable,
    size: info?.size ?? 0,
    logicalBlockSize: info?.logicalBlockSize ?? 512,
    dmaAlignment: info?.dmaAlignment ?? 511,
    maxIoBytes: (info?.maxSectorsKb ?? 1024) * 1024,
    name: info?.name ?? '',
    release() {
      if (released) return;
      released = true;
      if (temporary && kind === 'file') removeTempImage(path);
    },
  };
}

function kindOf(path: string): Target['kind'] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`target ${path} does not exist; name an existing device or image file, or leave out --target to use a temporary image`);
    throw new UsageError(`cannot access target ${path}: ${(e as Error).message}`);
  }
  if (st.isBlockDevice()) return 'block';
  if (st.isFile()) return 'file';
  if (st.isCharacterDevice() && /\/ng\d+n\d+$/.test(path)) return 'nvme-generic';
  if (st.isDirectory()) throw new UsageError(`target ${path} is a directory; name a block device or an image file`);
  throw new UsageError(`target ${path} is not a block device or a regular file`);
}

/** Open (and close) to learn the device and to turn open(2) failures into clear messages. */
function probeOpen(path: string, write: boolean, direct: boolean): DeviceInfo {
  let fd: number;
  try {
    fd = openDevice(path, { write, direct });
  } catch (e) {
    throw openFailure(path, write, direct, e);
  }
  try {
    return deviceInfo(fd);
  } finally {
    closeFd(fd);
  }
}

function openFailure(path: string, write: boolean, direct: boolean, e: unknown): Error {
  const code = (e as { code?: string }).code ?? '';
  const how = write ? 'for writing' : 'for reading';
  if (code === 'EACCES' || code === 'EPERM') return new UsageError(`cannot open ${path} ${how}: permission denied (${code})${write ? '; the target is not writable' : ''}`);
  if (code === 'EROFS') return new UsageError(`cannot open ${path} ${how}: it is read-only (EROFS)`);
  if (code === 'EINVAL' && direct) return new UsageError(`cannot open ${path} with O_DIRECT (EINVAL): its filesystem or driver does not support direct IO; use --direct 0 for buffered IO`);
  if (code === 'ETXTBSY' || code === 'EBUSY') return new UsageError(`cannot open ${path} ${how}: it is busy (${code})`);
  return new UsageError(`cannot open ${path} ${how}: ${(e as Error).message}`);
}

/** Where the job's region lies on the target, checked against its size and alignment. */
export function regionOf(t: Target, offset: number, size: SizeOrPercent | null, bsMin: number, bsMax: number, direct: boolean): { start: number; size: number } {
  if (offset >= t.size) throw new UsageError(`--offset ${showSize(offset)} is at or past the end of ${t.path} (${showSize(t.size)})`);
  const len = size === null ? t.size - offset : resolveSize(size, t.size - offset, bsMin);
  if (len === 0) throw new UsageError(`--size ${sizeOrPercent.show(size!)} of ${t.path} is less than one block (${bsMin} bytes)`);
  if (offset + len > t.size) {
    throw new UsageError(`--size ${showSize(len)} from --offset ${showSize(offset)} runs past the end of ${t.path} (${showSize(t.size)} = ${t.size} bytes)`);
  }
  if (len < bsMax) throw new UsageError(`the region (${showSize(len)}) is smaller than one block (--bs ${showSize(bsMax)})`);
  if (direct) {
    const lbs = t.logicalBlockSize;
    if (offset % lbs) throw new UsageError(`--offset ${offset} is not a multiple of ${t.path}'s logical block size ${lbs} (needed for direct IO)`);
    if (bsMin % lbs) throw new UsageError(`--bs ${bsMin} is not a multiple of ${t.path}'s logical block size ${lbs} (needed for direct IO; or use --direct 0)`);
  }
  return { start: offset, size: len };
}
