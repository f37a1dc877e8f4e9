/**
 * Synchronous NVMe passthrough for setup and tools: one command through `IORING_OP_URING_CMD`
 * on a ring with 128-byte SQEs / 32-byte CQEs, waited for, its status turned into an error that
 * says what the controller answered. Admin commands go to the controller char device
 * (`/dev/nvme0`); I/O commands to the namespace's generic char device (`/dev/ng0n1`). Not for hot
 * paths (the `nvme` driver batches instead).
 * @kernel drivers/nvme/host/ioctl.c nvme_uring_cmd_io(); include/uapi/linux/nvme_ioctl.h
 */
import { BiopathError, closeFd, errFromErrno, openDevice } from '@biopath/native';
import { IoUring, prepUringCmd, sqeCmdOffset, sqeSetData } from '@biopath/uring';
import type { NvmeCommand } from './nvme-command.ts';
import { nvmeCommandAlloc, nvmeOpcode, nvmeSetupIdentifyCtrl, nvmeSetupIdentifyNs } from './nvme-command.ts';
import { NVME_IDENTIFY_DATA_SIZE, NVME_URING_CMD_ADMIN } from './nvme-defs.ts';
import { nvmeUringCmdPut } from './nvme-uring-cmd.ts';
import { nvmeStatusString } from './nvme-status.ts';
import { nvmeParseIdCtrl, nvmeParseIdNs } from './nvme-identify.ts';
import type { NvmeIdCtrl, NvmeIdNs } from './nvme-identify.ts';
import { DriverArea } from './internal/tag-area.ts';

const SYNC_TAG = 0x4e564d45;

/** What a passthrough completion carried. */
export interface NvmePassthruResult {
  /** `cqe->res`: 0, an NVMe status (positive), or -errno. */
  res: number;
  /** Command-specific result (CQE DW0, from the CQE32's big_cqe[0]). */
  result: number;
}

/**
 * Submit one command (`cmdOp`: NVME_URING_CMD_IO/ADMIN/..._VEC) on `fd` and wait. `addr`/`len`
 * name the data buffer (arena IOVA) or iovec array. Never throws for a controller status: the
 * caller looks at `res` (see {@link nvmeCheck}).
 */
export function nvmePassthruSync(
  ring: IoUring, fd: number, cmdOp: number, cmd: NvmeCommand, addr: number, len: number, timeoutMs = 0,
): NvmePassthruResult {
  if (ring.sqeSize !== 128) throw new BiopathError('EINVAL', 'nvmePassthruSync(ring): needs a ring created with sqe128');
  if (ring.cqReady() !== 0) throw new BiopathError('EBUSY', 'nvmePassthruSync(ring): ring has unconsumed completions');
  const s = ring.getSqeOrThrow();
  prepUringCmd(ring, s, cmdOp, fd);
  nvmeUringCmdPut(ring.sqU32, sqeCmdOffset(ring, s) >> 2, cmd, addr, len, 0, 0, timeoutMs);
  sqeSetData(ring, s, SYNC_TAG);
  ring.submitAndWait(1);
  const out = { res: ring.cqeRes(0), result: ring.cqeBigWord(0, 0) };
  const ud = ring.cqeUserData(0);
  ring.cqAdvance(1);
  if (ud !== SYNC_TAG) throw new BiopathError('EIO', 'nvmePassthruSync: completion for another command');
  return out;
}

/** Throw a BiopathError naming `what` unless `res` is 0: EIO with the decoded NVMe status, or the errno. */
export function nvmeCheck(res: number, what: string): void {
  if (res === 0) return;
  if (res < 0) throw errFromErrno(res, what);
  throw new BiopathError('EIO', `${what}: NVMe status 0x${res.toString(16)}: ${nvmeStatusString(res)}`);
}

/** Identify Controller and Namespace `nsid`, decoded. */
export interface NvmeIdentifyResult {
  ctrl: NvmeIdCtrl;
  ns: NvmeIdNs;
}

/**
 * Identify the controller and namespace `nsid` through admin passthrough on `ctrlPath`
 * (`/dev/nvmeX`: admin commands are not accepted on the generic namespace device). Errors:
 * open(2)'s (ENOENT, EACCES), EIO with the NVMe status text if the controller fails a command.
 * @kernel drivers/nvme/host/core.c nvme_identify_ctrl(), nvme_identify_ns()
 */
export function nvmeIdentify(ctrlPath: string, nsid: number): NvmeIdentifyResult {
  const fd = openDevice(ctrlPath, { write: true, direct: false });
  let ring: IoUring | undefined;
  let area: DriverArea | undefined;
  try {
    ring = new IoUring({ entries: 4, sqe128: true });
    area = new DriverArea(2 * NVME_IDENTIFY_DATA_SIZE);
    const cmd = nvmeCommandAlloc();
    nvmeSetupIdentifyCtrl(cmd);
    const a = nvmePassthruSync(ring, fd, NVME_URING_CMD_ADMIN, cmd, area.iova(0), NVME_IDENTIFY_DATA_SIZE);
    nvmeCheck(a.res, `nvmeIdentify(${ctrlPath}): Identify Controller (opcode 0x${nvmeOpcode(cmd).toString(16)})`);
    nvmeSetupIdentifyNs(cmd, nsid);
    const b = nvmePassthruSync(ring, fd, NVME_URING_CMD_ADMIN, cmd, area.iova(NVME_IDENTIFY_DATA_SIZE), NVME_IDENTIFY_DATA_SIZE);
    nvmeCheck(b.res, `nvmeIdentify(${ctrlPath}): Identify Namespace ${nsid}`);
    return {
      ctrl: nvmeParseIdCtrl(area.u8.subarray(0, NVME_IDENTIFY_DATA_SIZE)),
      ns: nvmeParseIdNs(area.u8.subarray(NVME_IDENTIFY_DATA_SIZE, 2 * NVME_IDENTIFY_DATA_SIZE)),
    };
  } finally {
    ring?.close();
    area?.free();
    closeFd(fd);
  }
}
