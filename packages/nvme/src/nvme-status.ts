/**
 * NVMe completion status: the Status Field (SCT/SC/CRD/M/DNR) decoded, mapped to `BLK_STS_*` the
 * way the Linux NVMe host does, and named for error messages.
 *
 * Status values here are in Linux's form: the 15-bit Status Field without the phase tag (the CQE's
 * DW3 bits 31:17, i.e. `le16_to_cpu(cqe->status) >> 1`). It is exactly what passthrough returns as a
 * positive `cqe->res` (e.g. 0x4080 = DNR | LBA Out of Range); a negative `res` is an errno from the
 * host side (mapping, cancellation), never a controller status.
 * @kernel drivers/nvme/host/core.c nvme_error_status()
 */
import {
  BLK_STS_IOERR, BLK_STS_MEDIUM, BLK_STS_NOSPC, BLK_STS_NOTSUPP, BLK_STS_OK, BLK_STS_PROTECTION, BLK_STS_RESV_CONFLICT,
  BLK_STS_TARGET, BLK_STS_TRANSPORT, BLK_STS_ZONE_ACTIVE_RESOURCE, BLK_STS_ZONE_OPEN_RESOURCE, errnoToBlkStatus,
} from '@biopath/block';
import {
  NVME_SCT_SC_MASK, NVME_SC_ACCESS_DENIED, NVME_SC_APPTAG_CHECK, NVME_SC_BAD_ATTRIBUTES, NVME_SC_CAP_EXCEEDED,
  NVME_SC_CMD_INTERRUPTED, NVME_SC_COMPARE_FAILED, NVME_SC_GUARD_CHECK, NVME_SC_HOST_PATH_ERROR, NVME_SC_INVALID_FIELD,
  NVME_SC_INVALID_NS, NVME_SC_INVALID_OPCODE, NVME_SC_INVALID_PI, NVME_SC_LBA_RANGE, NVME_SC_NS_NOT_READY,
  NVME_SC_ONCS_NOT_SUPPORTED, NVME_SC_READ_ERROR, NVME_SC_READ_ONLY, NVME_SC_REFTAG_CHECK, NVME_SC_RESERVATION_CONFLICT,
  NVME_SC_SUCCESS, NVME_SC_UNWRITTEN_BLOCK, NVME_SC_WRITE_FAULT, NVME_SC_ZONE_TOO_MANY_ACTIVE, NVME_SC_ZONE_TOO_MANY_OPEN,
  NVME_SC_DATA_XFER_ERROR, NVME_SC_INTERNAL, NVME_SC_PRP_INVALID_OFFSET, NVME_SC_SGL_INVALID_DATA, NVME_SC_ABORT_REQ,
  NVME_STATUS_DNR, NVME_STATUS_MORE,
} from './nvme-defs.ts';

/** Status Code Type (bits 10:8). */
export function nvmeStatusSct(status: number): number {
  return (status >> 8) & 7;
}

/** Status Code (bits 7:0). */
export function nvmeStatusSc(status: number): number {
  return status & 0xff;
}

/** Do Not Retry. */
export function nvmeStatusDnr(status: number): boolean {
  return (status & NVME_STATUS_DNR) !== 0;
}

/** More (additional information in the Error Information log page). */
export function nvmeStatusMore(status: number): boolean {
  return (status & NVME_STATUS_MORE) !== 0;
}

/** Command Retry Delay (bits 12:11): which CRDT of Identify Controller to wait. */
export function nvmeStatusCrd(status: number): number {
  return (status >> 11) & 3;
}

/** The Linux status value from a raw completion queue entry's DW3 (drops the phase tag). */
export function nvmeStatusFromCqeDw3(dw3: number): number {
  return (dw3 >>> 17) & 0x7fff;
}

const TO_BLK = new Map<number, number>([
  [NVME_SC_SUCCESS, BLK_STS_OK],
  [NVME_SC_CAP_EXCEEDED, BLK_STS_NOSPC],
  [NVME_SC_LBA_RANGE, BLK_STS_TARGET], [NVME_SC_CMD_INTERRUPTED, BLK_STS_TARGET], [NVME_SC_NS_NOT_READY, BLK_STS_TARGET],
  [NVME_SC_BAD_ATTRIBUTES, BLK_STS_NOTSUPP], [NVME_SC_ONCS_NOT_SUPPORTED, BLK_STS_NOTSUPP],
  [NVME_SC_INVALID_OPCODE, BLK_STS_NOTSUPP], [NVME_SC_INVALID_FIELD, BLK_STS_NOTSUPP], [NVME_SC_INVALID_NS, BLK_STS_NOTSUPP],
  [NVME_SC_WRITE_FAULT, BLK_STS_MEDIUM], [NVME_SC_READ_ERROR, BLK_STS_MEDIUM], [NVME_SC_UNWRITTEN_BLOCK, BLK_STS_MEDIUM],
  [NVME_SC_ACCESS_DENIED, BLK_STS_MEDIUM], [NVME_SC_READ_ONLY, BLK_STS_MEDIUM], [NVME_SC_COMPARE_FAILED, BLK_STS_MEDIUM],
  [NVME_SC_GUARD_CHECK, BLK_STS_PROTECTION], [NVME_SC_APPTAG_CHECK, BLK_STS_PROTECTION],
  [NVME_SC_REFTAG_CHECK, BLK_STS_PROTECTION], [NVME_SC_INVALID_PI, BLK_STS_PROTECTION],
  [NVME_SC_RESERVATION_CONFLICT, BLK_STS_RESV_CONFLICT],
  [NVME_SC_HOST_PATH_ERROR, BLK_STS_TRANSPORT],
  [NVME_SC_ZONE_TOO_MANY_ACTIVE, BLK_STS_ZONE_ACTIVE_RESOURCE], [NVME_SC_ZONE_TOO_MANY_OPEN, BLK_STS_ZONE_OPEN_RESOURCE],
]);

/**
 * `BLK_STS_*` for an NVMe status: SCT/SC decide (DNR/MORE/CRD do not); anything not listed is
 * BLK_STS_IOERR. Same table as the Linux host driver.
 * @kernel drivers/nvme/host/core.c nvme_error_status()
 */
export function nvmeErrorStatus(status: number): number {
  return TO_BLK.get(status & NVME_SCT_SC_MASK) ?? BLK_STS_IOERR;
}

/**
 * `BLK_STS_*` for a passthrough completion's `cqe->res`: 0 is OK, negative is a host errno
 * (-EINTR when cancelled, -EINVAL for a buffer the kernel refused, ...), positive an NVMe status.
 */
export function nvmeUringResToBlkStatus(res: number): number {
  if (res === 0) return BLK_STS_OK;
  return res < 0 ? errnoToBlkStatus(res) : nvmeErrorStatus(res);
}

const NAMES = new Map<number, string>([
  [NVME_SC_SUCCESS, 'Successful Completion'], [NVME_SC_INVALID_OPCODE, 'Invalid Command Opcode'],
  [NVME_SC_INVALID_FIELD, 'Invalid Field in Command'], [NVME_SC_DATA_XFER_ERROR, 'Data Transfer Error'],
  [NVME_SC_INTERNAL, 'Internal Error'], [NVME_SC_ABORT_REQ, 'Command Abort Requested'],
  [NVME_SC_INVALID_NS, 'Invalid Namespace or Format'], [NVME_SC_SGL_INVALID_DATA, 'Data SGL Length Invalid'],
  [NVME_SC_PRP_INVALID_OFFSET, 'PRP Offset Invalid'], [NVME_SC_CMD_INTERRUPTED, 'Command Interrupted'],
  [NVME_SC_LBA_RANGE, 'LBA Out of Range'], [NVME_SC_CAP_EXCEEDED, 'Capacity Exceeded'],
  [NVME_SC_NS_NOT_READY, 'Namespace Not Ready'], [NVME_SC_RESERVATION_CONFLICT, 'Reservation Conflict'],
  [NVME_SC_BAD_ATTRIBUTES, 'Conflicting Attributes'], [NVME_SC_INVALID_PI, 'Invalid Protection Information'],
  [NVME_SC_READ_ONLY, 'Attempted Write to Read Only Range'], [NVME_SC_ONCS_NOT_SUPPORTED, 'Command Size Limit Exceeded'],
  [NVME_SC_WRITE_FAULT, 'Write Fault'], [NVME_SC_READ_ERROR, 'Unrecovered Read Error'],
  [NVME_SC_GUARD_CHECK, 'End-to-end Guard Check Error'], [NVME_SC_APPTAG_CHECK, 'End-to-end Application Tag Check Error'],
  [NVME_SC_REFTAG_CHECK, 'End-to-end Reference Tag Check Error'], [NVME_SC_COMPARE_FAILED, 'Compare Failure'],
  [NVME_SC_ACCESS_DENIED, 'Access Denied'], [NVME_SC_UNWRITTEN_BLOCK, 'Deallocated or Unwritten Logical Block'],
  [NVME_SC_HOST_PATH_ERROR, 'Host Pathing Error'],
]);

/**
 * Human-readable status, e.g. `'LBA Out of Range (SCT 0h SC 80h, DNR)'`.
 * @kernel drivers/nvme/host/constants.c nvme_get_error_status_str()
 */
export function nvmeStatusString(status: number): string {
  const name = NAMES.get(status & NVME_SCT_SC_MASK) ?? 'Unknown Status';
  const sct = nvmeStatusSct(status).toString(16);
  const sc = nvmeStatusSc(status).toString(16).padStart(2, '0');
  return `${name} (SCT ${sct}h SC ${sc}h${nvmeStatusDnr(status) ? ', DNR' : ''}${nvmeStatusMore(status) ? ', MORE' : ''})`;
}
