/**
 * `struct nvme_uring_cmd` (72 bytes, in the command area of a 128-byte SQE): what NVMe passthrough
 * over io_uring (`IORING_OP_URING_CMD` on `/dev/ngXnY` or `/dev/nvmeX`) carries.
 *
 * It is not a raw submission queue entry: there is no command identifier and no DPTR. The data
 * buffer is a user address and length (`addr`/`data_len`), or with the `_VEC` ioctls an iovec
 * array and its count; the kernel pins (or bounces) that memory and builds the PRPs or SGLs
 * itself (drivers/nvme/host/ioctl.c nvme_map_user_request()). The `flags` byte must be zero: the
 * kernel picks PSDT. Here `addr` and `metadata` are arena IOVAs; the native layer translates and
 * bounds-checks them before the kernel sees the SQE.
 *
 * Layout: opcode u8 @0, flags u8 @1, rsvd1 u16 @2, nsid u32 @4, cdw2 @8, cdw3 @12, metadata u64 @16,
 * addr u64 @24, metadata_len u32 @32, data_len u32 @36, cdw10..cdw15 @40..60, timeout_ms @64, rsvd2 @68.
 * @kernel include/uapi/linux/nvme_ioctl.h struct nvme_uring_cmd
 */
import type { NvmeCommand } from './nvme-command.ts';
import { nvmePut64 } from './nvme-command.ts';

/** Dword offsets inside `struct nvme_uring_cmd`. */
export const NVME_URING_CMD_W_OPCODE = 0;
export const NVME_URING_CMD_W_NSID = 1;
export const NVME_URING_CMD_W_METADATA = 4;
export const NVME_URING_CMD_W_ADDR = 6;
export const NVME_URING_CMD_W_METADATA_LEN = 8;
export const NVME_URING_CMD_W_DATA_LEN = 9;
export const NVME_URING_CMD_W_CDW10 = 10;
export const NVME_URING_CMD_W_TIMEOUT_MS = 16;

/**
 * Write `cmd` as a `struct nvme_uring_cmd` at dword `w` of `u32` (typically
 * `ring.sqU32` at `sqeCmdOffset(ring, sqe) >> 2`). `addr`/`dataLen` name the data: a buffer for
 * NVME_URING_CMD_IO/ADMIN, or an iovec array IOVA and its entry count for the `_VEC` forms.
 * CID, PSDT and DPTR of `cmd` are not carried (the kernel owns them).
 * @kernel drivers/nvme/host/ioctl.c nvme_uring_cmd_io() (the reverse direction)
 */
export function nvmeUringCmdPut(
  u32: Uint32Array, w: number, cmd: NvmeCommand, addr: number, dataLen: number,
  metadata = 0, metadataLen = 0, timeoutMs = 0,
): void {
  u32[w] = cmd[0]! & 0xff; // opcode; flags and rsvd1 zero
  u32[w + 1] = cmd[1]!;
  u32[w + 2] = cmd[2]!;
  u32[w + 3] = cmd[3]!;
  nvmePut64(u32, w + NVME_URING_CMD_W_METADATA, metadata);
  nvmePut64(u32, w + NVME_URING_CMD_W_ADDR, addr);
  u32[w + NVME_URING_CMD_W_METADATA_LEN] = metadataLen >>> 0;
  u32[w + NVME_URING_CMD_W_DATA_LEN] = dataLen >>> 0;
  for (let i = 10; i < 16; i++) u32[w + i] = cmd[i]!;
  u32[w + NVME_URING_CMD_W_TIMEOUT_MS] = timeoutMs >>> 0;
  u32[w + 17] = 0;
}
