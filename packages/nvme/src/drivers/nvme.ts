/**
 * `nvme`: NVMe passthrough over io_uring. Opens the namespace's generic char device
 * (`/dev/ngXnY`), identifies controller and namespace through admin passthrough on `/dev/nvmeX`,
 * derives the queue limits from Identify (LBA format, MDTS, ONCS, VWC, SGLS), and sends each
 * request as NVMe commands (see nvme-queue.ts). Works with any NVMe namespace the kernel exposes;
 * here that is the QEMU guest's emulated controller (tools/qemu-nvme).
 * @kernel drivers/nvme/host/core.c nvme_alloc_ns(), nvme_update_ns_info(); drivers/nvme/host/ioctl.c
 */
import { blkMqAllocTagSet } from '@biopath/block';
import type { QueueLimits } from '@biopath/block';
import type { MemMap } from '@biopath/mm';
import { BiopathError, closeFd, deviceInfo, openDevice } from '@biopath/native';
import type { BlkDriver } from '../internal/driver-types.ts';
import { nvmeIdentify } from '../nvme-passthru.ts';
import type { NvmeIdentifyResult } from '../nvme-passthru.ts';
import { nvmeCtrlSglSupport, nvmeQueueLimits } from '../nvme-identify.ts';
import { NVME_COMMAND_SIZE, NVME_CTRL_PAGE_SIZE, NVME_NS_DLFEAT_WRITE_ZEROES } from '../nvme-defs.ts';
import type { NvmeMapLimits } from '../map-plan.ts';
import { nvmePrpListPages } from '../prp.ts';
import { NvmeLayout } from './nvme-layout.ts';
import type { NvmePdu } from './nvme-layout.ts';
import { NvmeQueue } from './nvme-queue.ts';
import type { NvmeLastError } from './nvme-queue.ts';

export type { NvmeLastError } from './nvme-queue.ts';

export interface NvmeDriverOptions {
  /** The namespace: `/dev/ngXnY` (generic char device) or `/dev/nvmeXnY` (its block device). */
  path: string;
  /** The frames bios will name. */
  mem: MemMap;
  /** Tags. Default 64. */
  queueDepth?: number;
  /** Controller char device for admin commands. Default `/dev/nvmeX` of the namespace. */
  ctrlPath?: string;
  /** Allow one SGL command where PRPs cannot express a request (default: when Identify SGLS says so). */
  sgl?: boolean;
  /** Most NVMe commands one request may become when split. Default 8. */
  maxChunks?: number;
  /** Bounce buffers (each max_hw_sectors bytes). Default 2. */
  bounceSlots?: number;
  /** Also build the spec PRP list/SGL of each request's first command into driver memory (see `dptrImage`). */
  recordDptr?: boolean;
}

/** The device nodes of one namespace. */
export interface NvmeNamespacePaths {
  ngPath: string;
  blockPath: string;
  ctrlPath: string;
}

/** `/dev/ng0n1` or `/dev/nvme0n1` → its generic, block and controller device paths. EINVAL otherwise. */
export function nvmeResolvePaths(path: string): NvmeNamespacePaths {
  const m = /^\/dev\/(?:ng|nvme)(\d+)n(\d+)$/.exec(path);
  if (!m) throw new BiopathError('EINVAL', `nvmeResolvePaths(path): ${path} is not /dev/ngXnY or /dev/nvmeXnY`);
  return { ngPath: `/dev/ng${m[1]}n${m[2]}`, blockPath: `/dev/nvme${m[1]}n${m[2]}`, ctrlPath: `/dev/nvme${m[1]}` };
}

/** A driver plus what only NVMe has. */
export interface NvmeDriver extends BlkDriver {
  readonly identify: NvmeIdentifyResult;
  readonly paths: NvmeNamespacePaths;
  readonly nsid: number;
  /** Per-command limits the mapping plan uses. */
  readonly mapLimits: NvmeMapLimits;
  /** Last failed command: NVMe status (or errno) decoded, op and sector. */
  lastError(): NvmeLastError | null;
  /** With `recordDptr`: the 64-byte spec command (with PRP1/PRP2 or SGL1) last built for `tag`, and its list pages' bytes. */
  dptrImage(tag: number): { sqe: Uint8Array; lists: Uint8Array; listIova: number };
}

function hostLimits(blockPath: string): { nsid: number; maxHwSectors: number; maxSegments: number } {
  const fd = openDevice(blockPath, { write: false, direct: false });
  try {
    const info = deviceInfo(fd);
    if (!(info.nsid > 0)) throw new BiopathError('ENODEV', `createNvmeDriver(path): ${blockPath} reports no NVMe namespace id`);
    return { nsid: info.nsid, maxHwSectors: info.maxHwSectorsKb * 2, maxSegments: Math.min(info.maxSegments || 127, 1024) };
  } finally {
    closeFd(fd);
  }
}

/**
 * Open an NVMe namespace for passthrough. Errors: EINVAL for a path that is not an NVMe namespace
 * node, ENOENT/EACCES from open(2), EIO with the NVMe status if Identify fails, ENODEV when the
 * namespace reports no id.
 */
export function createNvmeDriver(opts: NvmeDriverOptions): NvmeDriver {
  const depth = opts.queueDepth ?? 64;
  if (!Number.isInteger(depth) || depth < 1 || depth > 4096) throw new BiopathError('EINVAL', `createNvmeDriver(queueDepth): ${depth} is not in 1..4096`);
  const paths = nvmeResolvePaths(opts.path);
  if (opts.ctrlPath) paths.ctrlPath = opts.ctrlPath;
  const host = hostLimits(paths.blockPath);
  const id = nvmeIdentify(paths.ctrlPath, host.nsid);
  const limits = nvmeQueueLimits(id.ctrl, id.ns, host.maxHwSectors, host.maxSegments);
  const sgl = opts.sgl === false ? 'none' : nvmeCtrlSglSupport(id.ctrl);
  const mapLimits: NvmeMapLimits = { lbaSize: id.ns.lbaSize, maxBytes: limits.max_hw_sectors! * 512, maxSegs: host.maxSegments, sgl };
  const maxChunks = opts.maxChunks ?? 8;
  const listPages = opts.recordDptr ? nvmePrpListPages(mapLimits.maxBytes / NVME_CTRL_PAGE_SIZE + 1) : 0;
  const lay = new NvmeLayout(depth, maxChunks, host.maxSegments, mapLimits.maxBytes, opts.bounceSlots ?? 2, listPages);
  let fd = -1;
  let q: NvmeQueue;
  try {
    fd = openDevice(paths.ngPath, { write: true, direct: false });
    const deac = (id.ns.dlfeat & NVME_NS_DLFEAT_WRITE_ZEROES) !== 0;
    q = new NvmeQueue(fd, host.nsid, mapLimits, lay, deac, opts.recordDptr ?? false);
  } catch (e) {
    if (fd >= 0) closeFd(fd);
    lay.free();
    throw e;
  }
  return nvmeDriver(q, lay, depth, limits, id, paths);
}

function nvmeDriver(
  q: NvmeQueue, lay: NvmeLayout, depth: number, limits: Partial<QueueLimits>, id: NvmeIdentifyResult, paths: NvmeNamespacePaths,
): NvmeDriver {
  const pdus: NvmePdu[] = [];
  const ops = q.mqOps((rq) => {
    rq.driver_data = pdus[rq.tag] = lay.pdu(rq.tag);
  });
  const sizeBytes = id.ns.nsze * id.ns.lbaSize;
  let closed = false;
  return {
    name: 'nvme', ops, set: blkMqAllocTagSet({ ops, queue_depth: depth }), limits, queueDepth: depth, sizeBytes,
    capacitySectors: sizeBytes / 512, stats: q.stats, identify: id, paths, nsid: q.nsid, mapLimits: q.lim,
    setEndRequest: (fn) => { q.endRequest = fn; },
    inFlight: () => q.rqsInFlight,
    lastError: () => q.lastError,
    dptrImage: (tag) => {
      const p = pdus[tag] ?? lay.pdu(tag);
      const lists = lay.area.u8.subarray(p.listByte, p.listByte + lay.listPages * NVME_CTRL_PAGE_SIZE);
      return { sqe: lay.area.u8.subarray(p.sqeImageByte, p.sqeImageByte + NVME_COMMAND_SIZE), lists, listIova: lay.area.iova(p.listByte) };
    },
    close: () => {
      if (closed) return;
      if (q.rqsInFlight > 0) throw new BiopathError('EBUSY', `nvme close(): ${q.rqsInFlight} requests in flight`);
      closed = true;
      q.closeRing();
      closeFd(q.fd);
      lay.free();
    },
  };
}
