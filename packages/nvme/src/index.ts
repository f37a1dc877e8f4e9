/**
 * @biopath/nvme — NVMe command encoding (Read, Write, Flush, Write Zeroes, Dataset Management,
 * Identify), `nvme_uring_cmd`, status decoding, PRP/SGL construction from DMA segments, and the
 * drivers that implement block's `BlkMqOps`: `nvme` (io_uring passthrough on /dev/ngXnY),
 * `bdev` (io_uring READ/WRITE[V][_FIXED] on an O_DIRECT fd), `null`, and `faulty`.
 */

// NVMe definitions and encoding
export {
  NVME_CTRL_PAGE_SIZE, NVME_COMMAND_SIZE, NVME_IDENTIFY_DATA_SIZE, NVME_URING_CMD_SIZE, NVME_URING_CMD_IO,
  NVME_URING_CMD_IO_VEC, NVME_URING_CMD_ADMIN, NVME_URING_CMD_ADMIN_VEC, nvme_cmd_flush, nvme_cmd_write, nvme_cmd_read,
  nvme_cmd_write_zeroes, nvme_cmd_dsm, nvme_admin_identify, NVME_ID_CNS_NS, NVME_ID_CNS_CTRL, NVME_RW_FUA, NVME_RW_LR,
  NVME_WZ_DEAC, NVME_DSMGMT_AD, NVME_CMD_SGL_METABUF, NVME_SC_LBA_RANGE, NVME_SC_INVALID_OPCODE, NVME_SC_INVALID_FIELD,
  NVME_STATUS_DNR, NVME_SGL_FMT_DATA_DESC, NVME_SGL_FMT_SEG_DESC, NVME_SGL_FMT_LAST_SEG_DESC,
} from './nvme-defs.ts';
export type { NvmeCommand } from './nvme-command.ts';
export {
  nvmeCommandAlloc, nvmeInitCommand, nvmeSetupRw, nvmeSetupFlush, nvmeSetupWriteZeroes, nvmeSetupDsm, nvmeDsmRangePut,
  nvmeSetupIdentify, nvmeSetupIdentifyCtrl, nvmeSetupIdentifyNs, nvmeSetPrps, nvmeCommandWrite, nvmeOpcode, nvmeFlags,
  nvmePut64, nvmeGet64,
} from './nvme-command.ts';
export { nvmeUringCmdPut } from './nvme-uring-cmd.ts';
export {
  nvmeStatusSct, nvmeStatusSc, nvmeStatusDnr, nvmeStatusMore, nvmeStatusCrd, nvmeStatusFromCqeDw3, nvmeErrorStatus,
  nvmeUringResToBlkStatus, nvmeStatusString,
} from './nvme-status.ts';
export type { NvmeIdCtrl, NvmeIdNs, NvmeLbaf } from './nvme-identify.ts';
export { nvmeParseIdCtrl, nvmeParseIdNs, nvmeMdtsBytes, nvmeCtrlSglSupport, nvmeQueueLimits } from './nvme-identify.ts';

// DMA descriptors and the mapping plan
export type { PrpListArea, PrpResult } from './prp.ts';
export {
  nvmePciSetupPrps, nvmePrpBreak, nvmePrpCount, nvmePrpListPages, nvmePrpListEntry, nvmePrpExpressible, prpResultAlloc,
  NVME_PRPS_PER_PAGE, PRP_ERR_ALIGN, PRP_ERR_GAP, PRP_ERR_LIST_FULL, PRP_ERR_EMPTY,
} from './prp.ts';
export {
  nvmePciSetupSgls, nvmeSglDescPut, nvmeSglId, nvmeSglListPages, nvmeSglExpressible, NVME_SGES_PER_PAGE, SGL_ERR_ALIGN,
  SGL_ERR_LIST_FULL,
} from './sgl.ts';
export type { NvmeMapLimits } from './map-plan.ts';
export { NvmeMapPlan, nvmeMapPlan } from './map-plan.ts';

// synchronous passthrough
export type { NvmePassthruResult, NvmeIdentifyResult } from './nvme-passthru.ts';
export { nvmePassthruSync, nvmeCheck, nvmeIdentify } from './nvme-passthru.ts';

// drivers
export type { BlkDriver, DriverStats, EndRequestFn } from './internal/driver-types.ts';
export type { BdevDriverOptions } from './drivers/bdev.ts';
export { createBdevDriver } from './drivers/bdev.ts';
export type { NullDriver, NullDriverOptions } from './drivers/null.ts';
export { NULL_COMPLETION_NSEC_MAX, NULL_CPU_NSEC_MAX, createNullDriver } from './drivers/null.ts';
export type { FaultyOptions, FaultRule, FaultAction, FaultOp, FaultRecord } from './drivers/faulty.ts';
export { createFaultyDriver } from './drivers/faulty.ts';
export type { NvmeDriverOptions, NvmeDriver, NvmeNamespacePaths, NvmeLastError } from './drivers/nvme.ts';
export { createNvmeDriver, nvmeResolvePaths } from './drivers/nvme.ts';
