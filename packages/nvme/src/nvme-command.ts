/**
 * `struct nvme_command`: a 64-byte submission queue entry held as 16 little-endian dwords, and the
 * setup functions that fill one for each command biopath issues. Nothing here allocates; callers
 * keep one command per tag and refill it.
 *
 * Layout (NVMe base spec §4.2, "Common Command Format"): CDW0 = opcode | flags << 8 | CID << 16;
 * CDW1 = NSID; CDW2-3; CDW4-5 = MPTR; CDW6-9 = DPTR (PRP1, PRP2 or SGL1); CDW10-15 command specific.
 * @kernel include/linux/nvme.h struct nvme_command
 */
import {
  NVME_COMMAND_SIZE, NVME_CSI_NVM, NVME_DSMGMT_AD, NVME_ID_CNS_CTRL, NVME_ID_CNS_NS, nvme_admin_identify, nvme_cmd_dsm,
  nvme_cmd_flush, nvme_cmd_write_zeroes,
} from './nvme-defs.ts';

const TWO32 = 4294967296;

/** One NVMe command: 16 dwords (CDW0..CDW15). Reused; never allocated per IO. */
export type NvmeCommand = Uint32Array;

/** Dword indexes of the common fields. */
export const NVME_CDW_NSID = 1;
export const NVME_CDW_MPTR = 4;
export const NVME_CDW_DPTR = 6;
export const NVME_CDW_PRP1 = 6;
export const NVME_CDW_PRP2 = 8;
export const NVME_CDW10 = 10;

/** A zeroed command. */
export function nvmeCommandAlloc(): NvmeCommand {
  return new Uint32Array(NVME_COMMAND_SIZE >> 2);
}

/** Write a u64 (exact below 2^53) as two dwords at `dw`. */
export function nvmePut64(cmd: Uint32Array, dw: number, v: number): void {
  cmd[dw] = v >>> 0;
  cmd[dw + 1] = Math.floor(v / TWO32) >>> 0;
}

/** Read the u64 at dwords `dw`, `dw + 1` (exact below 2^53). */
export function nvmeGet64(cmd: Uint32Array, dw: number): number {
  return cmd[dw + 1]! * TWO32 + cmd[dw]!;
}

/** Opcode (CDW0 bits 7:0). */
export function nvmeOpcode(cmd: NvmeCommand): number {
  return cmd[0]! & 0xff;
}

/** Flags byte (FUSE, PSDT: CDW0 bits 15:8). */
export function nvmeFlags(cmd: NvmeCommand): number {
  return (cmd[0]! >>> 8) & 0xff;
}

/**
 * Clear the command and set CDW0 (opcode, flags, command identifier) and the namespace.
 * @kernel drivers/nvme/host/core.c nvme_clear_nvme_request() + c.common.opcode/nsid
 */
export function nvmeInitCommand(cmd: NvmeCommand, opcode: number, nsid: number, commandId = 0): void {
  cmd.fill(0);
  cmd[0] = (opcode & 0xff) | ((commandId & 0xffff) << 16);
  cmd[NVME_CDW_NSID] = nsid >>> 0;
}

/** Set the flags byte (FUSE bits 1:0, PSDT bits 7:6). */
export function nvmeSetFlags(cmd: NvmeCommand, flags: number): void {
  cmd[0] = (cmd[0]! & 0xffff00ff) | ((flags & 0xff) << 8);
}

/**
 * Read (0x02) or Write (0x01): SLBA in CDW10-11, NLB (0's based) in CDW12 bits 15:0 with the
 * control bits (FUA, LR, PRINFO) in 31:16, DSM hints in CDW13. `nlb` here is the block count
 * (1-based, 1..65536); the encoder subtracts one as the spec requires.
 * NVM command set spec §3.2.4 (Read), §3.2.6 (Write).
 * @kernel drivers/nvme/host/core.c nvme_setup_rw()
 */
export function nvmeSetupRw(cmd: NvmeCommand, opcode: number, nsid: number, slba: number, nlb: number, control = 0, dsmgmt = 0): void {
  nvmeInitCommand(cmd, opcode, nsid);
  nvmePut64(cmd, NVME_CDW10, slba);
  cmd[12] = ((nlb - 1) & 0xffff) | ((control & 0xffff) << 16);
  cmd[13] = dsmgmt >>> 0;
}

/**
 * Flush (0x00): commit the volatile write cache of namespace `nsid` (0xffffffff: all).
 * NVM command set spec §3.2.2.
 * @kernel drivers/nvme/host/core.c nvme_setup_flush()
 */
export function nvmeSetupFlush(cmd: NvmeCommand, nsid: number): void {
  nvmeInitCommand(cmd, nvme_cmd_flush, nsid);
}

/**
 * Write Zeroes (0x08): SLBA, NLB (0's based) and control bits (`deac` sets DEAC, bit 25; FUA bit 30).
 * No data pointer. NVM command set spec §3.2.8.
 * @kernel drivers/nvme/host/core.c nvme_setup_write_zeroes()
 */
export function nvmeSetupWriteZeroes(cmd: NvmeCommand, nsid: number, slba: number, nlb: number, cdw12Flags = 0): void {
  nvmeInitCommand(cmd, nvme_cmd_write_zeroes, nsid);
  nvmePut64(cmd, NVME_CDW10, slba);
  cmd[12] = (((nlb - 1) & 0xffff) | cdw12Flags) >>> 0;
}

/**
 * Dataset Management (0x09): `nr` ranges (1..256; NR in CDW10 is 0's based) described by a data
 * buffer of 16-byte range descriptors (see {@link nvmeDsmRangePut}); `attributes` in CDW11
 * (default Deallocate, i.e. discard). NVM command set spec §3.2.3.
 * @kernel drivers/nvme/host/core.c nvme_setup_discard()
 */
export function nvmeSetupDsm(cmd: NvmeCommand, nsid: number, nr: number, attributes = NVME_DSMGMT_AD): void {
  nvmeInitCommand(cmd, nvme_cmd_dsm, nsid);
  cmd[10] = (nr - 1) & 0xff;
  cmd[11] = attributes >>> 0;
}

/**
 * Write DSM range `i` into `ranges` (u32 view of the data buffer): context attributes, length in
 * logical blocks (1-based, unlike NLB elsewhere), starting LBA.
 * @kernel include/linux/nvme.h struct nvme_dsm_range
 */
export function nvmeDsmRangePut(ranges: Uint32Array, wordOff: number, i: number, slba: number, nlb: number, cattr = 0): void {
  const w = wordOff + i * 4;
  ranges[w] = cattr >>> 0;
  ranges[w + 1] = nlb >>> 0;
  nvmePut64(ranges, w + 2, slba);
}

/**
 * Identify (admin 0x06): CNS in CDW10 bits 7:0 (0 namespace, 1 controller), CNTID bits 31:16,
 * CSI in CDW11 bits 31:24. Returns a 4096-byte structure. Base spec §5.1.13.
 * @kernel drivers/nvme/host/core.c nvme_identify_ctrl() / nvme_identify_ns()
 */
export function nvmeSetupIdentify(cmd: NvmeCommand, cns: number, nsid: number, cntid = 0, csi = NVME_CSI_NVM): void {
  nvmeInitCommand(cmd, nvme_admin_identify, nsid);
  cmd[10] = (cns & 0xff) | ((cntid & 0xffff) << 16);
  cmd[11] = ((csi & 0xff) << 24) >>> 0;
}

/** Identify Controller (CNS 01h). */
export function nvmeSetupIdentifyCtrl(cmd: NvmeCommand): void {
  nvmeSetupIdentify(cmd, NVME_ID_CNS_CTRL, 0);
}

/** Identify Namespace (CNS 00h) for `nsid`. */
export function nvmeSetupIdentifyNs(cmd: NvmeCommand, nsid: number): void {
  nvmeSetupIdentify(cmd, NVME_ID_CNS_NS, nsid);
}

/** Set PRP1/PRP2 (DPTR as two PRP entries, PSDT 00b). */
export function nvmeSetPrps(cmd: NvmeCommand, prp1: number, prp2: number): void {
  nvmeSetFlags(cmd, nvmeFlags(cmd) & ~0xc0);
  nvmePut64(cmd, NVME_CDW_PRP1, prp1);
  nvmePut64(cmd, NVME_CDW_PRP2, prp2);
}

/** Serialize to 64 bytes at `dst[at]` (little endian, as the controller reads it). */
export function nvmeCommandWrite(cmd: NvmeCommand, dst: Uint8Array, at: number): void {
  const v = new DataView(dst.buffer, dst.byteOffset + at, NVME_COMMAND_SIZE);
  for (let i = 0; i < 16; i++) v.setUint32(i * 4, cmd[i]!, true);
}
