/**
 * Identify Controller (CNS 01h) and Identify Namespace (CNS 00h) data structures, decoded from the
 * 4096 bytes the controller returns (NVMe base spec §5.1.13.2.1 and NVM command set spec §4.1.5.1),
 * and the queue limits a namespace implies.
 * @kernel include/linux/nvme.h struct nvme_id_ctrl, struct nvme_id_ns
 */
import { BLK_FEAT_FUA, BLK_FEAT_WRITE_CACHE } from '@biopath/block';
import type { QueueLimits } from '@biopath/block';
import { BiopathError } from '@biopath/native';
import {
  NVME_CTRL_ONCS_DSM, NVME_CTRL_ONCS_WRITE_ZEROES, NVME_CTRL_PAGE_SHIFT, NVME_CTRL_PAGE_SIZE, NVME_CTRL_SGLS_MASK,
  NVME_CTRL_VWC_PRESENT, NVME_IDENTIFY_DATA_SIZE, NVME_NS_FLBAS_LBA_MASK, NVME_NS_FLBAS_LBA_SHIFT,
  NVME_NS_FLBAS_LBA_UMASK, NVME_NS_FLBAS_META_EXT,
} from './nvme-defs.ts';

/** Decoded Identify Controller fields biopath uses (kernel field names). */
export interface NvmeIdCtrl {
  vid: number; ssvid: number; sn: string; mn: string; fr: string;
  /** Maximum Data Transfer Size: 2^mdts memory pages (CAP.MPSMIN), 0 = no limit. */
  mdts: number;
  cntlid: number; ver: number; oacs: number; sqes: number; cqes: number; maxcmd: number;
  /** Number of namespaces. */
  nn: number;
  /** Optional NVM Command Support (NVME_CTRL_ONCS_*). */
  oncs: number;
  /** Volatile Write Cache (bit 0: present). */
  vwc: number;
  awun: number; awupf: number;
  /** SGL Support (bits 1:0: 00b none, 01b any alignment, 10b dword aligned). */
  sgls: number;
  subnqn: string;
}

/** One LBA format (Identify Namespace LBAF entry). */
export interface NvmeLbaf {
  /** Metadata bytes per LBA. */
  ms: number;
  /** LBA data size as a power of two (9 = 512 bytes). */
  ds: number;
  /** Relative performance. */
  rp: number;
}

/** Decoded Identify Namespace fields biopath uses. */
export interface NvmeIdNs {
  nsze: number; ncap: number; nuse: number; nsfeat: number;
  /** Number of LBA formats (0's based). */
  nlbaf: number;
  flbas: number; mc: number; dps: number; dlfeat: number; noiob: number;
  npwg: number; npwa: number; npdg: number; npda: number;
  lbaf: NvmeLbaf[];
  /** Index of the format in use. @kernel include/linux/nvme.h nvme_lbaf_index() */
  lbafIndex: number;
  /** Bytes per logical block of the format in use. */
  lbaSize: number;
  /** Metadata bytes per block of the format in use (0: none). */
  metadataSize: number;
  /** Metadata is interleaved with data (extended LBA). */
  extendedLba: boolean;
}

function check4k(data: Uint8Array, fn: string): DataView {
  if (data.byteLength < NVME_IDENTIFY_DATA_SIZE) {
    throw new BiopathError('EINVAL', `${fn}(data): ${data.byteLength} bytes, an Identify structure is ${NVME_IDENTIFY_DATA_SIZE}`);
  }
  return new DataView(data.buffer, data.byteOffset, NVME_IDENTIFY_DATA_SIZE);
}

function ascii(data: Uint8Array, from: number, len: number): string {
  let s = '';
  for (let i = from; i < from + len && data[i] !== 0; i++) s += String.fromCharCode(data[i]!);
  return s.trimEnd();
}

function u64(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 4294967296 + v.getUint32(at, true);
}

/** Decode Identify Controller. Throws EINVAL if `data` is shorter than 4096 bytes. */
export function nvmeParseIdCtrl(data: Uint8Array): NvmeIdCtrl {
  const v = check4k(data, 'nvmeParseIdCtrl');
  return {
    vid: v.getUint16(0, true), ssvid: v.getUint16(2, true), sn: ascii(data, 4, 20), mn: ascii(data, 24, 40),
    fr: ascii(data, 64, 8), mdts: data[77]!, cntlid: v.getUint16(78, true), ver: v.getUint32(80, true),
    oacs: v.getUint16(256, true), sqes: data[512]!, cqes: data[513]!, maxcmd: v.getUint16(514, true),
    nn: v.getUint32(516, true), oncs: v.getUint16(520, true), vwc: data[525]!, awun: v.getUint16(526, true),
    awupf: v.getUint16(528, true), sgls: v.getUint32(536, true), subnqn: ascii(data, 768, 256),
  };
}

/** Decode Identify Namespace. Throws EINVAL if `data` is shorter than 4096 bytes. */
export function nvmeParseIdNs(data: Uint8Array): NvmeIdNs {
  const v = check4k(data, 'nvmeParseIdNs');
  const nlbaf = data[25]!;
  const flbas = data[26]!;
  const lbaf: NvmeLbaf[] = [];
  for (let i = 0; i <= nlbaf && i < 64; i++) {
    lbaf.push({ ms: v.getUint16(128 + i * 4, true), ds: data[130 + i * 4]!, rp: data[131 + i * 4]! & 3 });
  }
  const lbafIndex = nlbaf >= 16
    ? (flbas & NVME_NS_FLBAS_LBA_MASK) | ((flbas & NVME_NS_FLBAS_LBA_UMASK) >> NVME_NS_FLBAS_LBA_SHIFT)
    : flbas & NVME_NS_FLBAS_LBA_MASK;
  const fmt = lbaf[lbafIndex] ?? { ms: 0, ds: 9, rp: 0 };
  return {
    nsze: u64(v, 0), ncap: u64(v, 8), nuse: u64(v, 16), nsfeat: data[24]!, nlbaf, flbas, mc: data[27]!,
    dps: data[29]!, dlfeat: data[33]!, noiob: v.getUint16(46, true), npwg: v.getUint16(64, true),
    npwa: v.getUint16(66, true), npdg: v.getUint16(68, true), npda: v.getUint16(70, true), lbaf, lbafIndex,
    lbaSize: 2 ** fmt.ds, metadataSize: fmt.ms, extendedLba: (flbas & NVME_NS_FLBAS_META_EXT) !== 0,
  };
}

/** Bytes one command may move: 2^MDTS controller pages (CAP.MPSMIN taken as 4 KiB), Infinity if 0. */
export function nvmeMdtsBytes(ctrl: NvmeIdCtrl, mpsMinShift = NVME_CTRL_PAGE_SHIFT): number {
  return ctrl.mdts === 0 ? Infinity : 2 ** (ctrl.mdts + mpsMinShift);
}

/** Whether the controller takes SGLs for data (and whether they must be dword aligned). */
export function nvmeCtrlSglSupport(ctrl: NvmeIdCtrl): 'none' | 'byte' | 'dword' {
  const s = ctrl.sgls & NVME_CTRL_SGLS_MASK;
  return s === 1 ? 'byte' : s === 2 ? 'dword' : 'none';
}

/**
 * Queue limits of a namespace: logical block size from the LBA format in use, max_hw_sectors from
 * MDTS (capped by `capSectors`, the host queue's own max_hw_sectors when known), the PRP rules as
 * `virt_boundary_mask` = 4095, dword DMA alignment, Write Zeroes/DSM limits from ONCS (Write Zeroes
 * NLB is 16 bits), write cache/FUA from VWC.
 * @kernel drivers/nvme/host/core.c nvme_set_ctrl_limits(), nvme_update_disk_info(), nvme_config_discard()
 */
export function nvmeQueueLimits(ctrl: NvmeIdCtrl, ns: NvmeIdNs, capSectors = 0, maxSegments = 127): Partial<QueueLimits> {
  const lbs = ns.lbaSize;
  const lbsSectors = lbs / 512;
  let maxHw = Math.min(nvmeMdtsBytes(ctrl) / 512, 65536 * lbsSectors);
  if (capSectors > 0) maxHw = Math.min(maxHw, capSectors);
  maxHw -= maxHw % Math.max(lbsSectors, NVME_CTRL_PAGE_SIZE / 512);
  const phys = ns.nsfeat & (1 << 4) ? lbs * (1 + ns.npwg) : lbs;
  const vwc = (ctrl.vwc & NVME_CTRL_VWC_PRESENT) !== 0;
  return {
    logical_block_size: lbs,
    physical_block_size: phys,
    max_hw_sectors: maxHw,
    max_segments: maxSegments,
    virt_boundary_mask: NVME_CTRL_PAGE_SIZE - 1,
    dma_alignment: 3,
    max_write_zeroes_sectors: ctrl.oncs & NVME_CTRL_ONCS_WRITE_ZEROES ? 65536 * lbsSectors : 0,
    max_hw_discard_sectors: ctrl.oncs & NVME_CTRL_ONCS_DSM ? Math.min(2 ** 22, 0xffffffff - (0xffffffff % lbsSectors)) : 0,
    discard_granularity: ctrl.oncs & NVME_CTRL_ONCS_DSM ? lbs : 0,
    features: vwc ? BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA : 0,
  };
}
