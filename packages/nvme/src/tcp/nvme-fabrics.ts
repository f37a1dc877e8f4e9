/**
 * NVMe over Fabrics commands (opcode 7Fh, FCTYPE in byte 4): Connect, Property Get/Set, Disconnect,
 * and the 1024-byte Connect data — built on the same 16-dword `NvmeCommand` as every other command.
 * NVMe over Fabrics spec §6.
 * @kernel include/linux/nvme.h struct nvmf_connect_command, struct nvmf_property_get_command
 */
import { BiopathError } from '@biopath/native';
import { type NvmeCommand, nvmeInitCommand, nvmePut64 } from '../nvme-command.ts';
import {
  NVMF_CONNECT_DATA_SIZE, NVMF_NQN_FIELD_LEN, nvme_fabrics_command, nvme_fabrics_type_connect,
  nvme_fabrics_type_disconnect, nvme_fabrics_type_property_get, nvme_fabrics_type_property_set,
} from './nvme-tcp-defs.ts';

/** Start a Fabrics command: opcode 7Fh, FCTYPE in byte 4 (where NSID lives in other commands). */
function nvmfInit(cmd: NvmeCommand, fctype: number): void {
  nvmeInitCommand(cmd, nvme_fabrics_command, 0);
  cmd[1] = fctype & 0xff;
}

/** FCTYPE of a Fabrics command (byte 4), or -1 when `cmd` is not one. */
export function nvmfFctype(cmd: NvmeCommand): number {
  return (cmd[0]! & 0xff) === nvme_fabrics_command ? cmd[1]! & 0xff : -1;
}

/**
 * Connect (FCTYPE 01h): RECFMT 0, QID, SQSIZE (0's based), CATTR, KATO (ms) in CDW10-12. The data
 * (host ID, CNTLID, NQNs; see {@link nvmfConnectDataPut}) travels in the capsule.
 * @kernel drivers/nvme/host/fabrics.c nvmf_connect_cmd_prep()
 */
export function nvmfSetupConnect(cmd: NvmeCommand, qid: number, sqsize: number, kato: number, cattr = 0): void {
  nvmfInit(cmd, nvme_fabrics_type_connect);
  cmd[10] = ((qid & 0xffff) << 16) >>> 0;
  cmd[11] = ((sqsize - 1) & 0xffff) | ((cattr & 0xff) << 16);
  cmd[12] = kato >>> 0;
}

function putNqn(fn: string, what: string, d: Uint8Array, at: number, nqn: string): void {
  const b = Buffer.from(nqn, 'utf8');
  if (!b.length || b.length >= NVMF_NQN_FIELD_LEN) {
    throw new BiopathError('EINVAL', `${fn}(${what}): NQN of ${b.length} bytes, expected 1..${NVMF_NQN_FIELD_LEN - 1}`);
  }
  d.set(b, at);
}

/**
 * Write `struct nvmf_connect_data` (1024 bytes) at `d[0]`: HOSTID (16 bytes), CNTLID (0xffff =
 * dynamic, on the admin queue), SUBNQN at 256, HOSTNQN at 512, the rest zero. Throws `EINVAL` for
 * a host ID that is not 16 bytes or an NQN that does not fit (255 bytes + NUL).
 * @kernel drivers/nvme/host/fabrics.c nvmf_connect_data_prep()
 */
export function nvmfConnectDataPut(d: Uint8Array, hostid: Uint8Array, cntlid: number, subsysnqn: string, hostnqn: string): void {
  if (d.length < NVMF_CONNECT_DATA_SIZE) throw new BiopathError('EINVAL', `nvmfConnectDataPut(d): ${d.length} bytes, needs ${NVMF_CONNECT_DATA_SIZE}`);
  if (hostid.length !== 16) throw new BiopathError('EINVAL', `nvmfConnectDataPut(hostid): ${hostid.length} bytes, expected 16`);
  d.fill(0, 0, NVMF_CONNECT_DATA_SIZE);
  d.set(hostid, 0);
  d[16] = cntlid & 0xff;
  d[17] = (cntlid >> 8) & 0xff;
  putNqn('nvmfConnectDataPut', 'subsysnqn', d, 256, subsysnqn);
  putNqn('nvmfConnectDataPut', 'hostnqn', d, 512, hostnqn);
}

/** Decoded Connect data (the target's view). */
export interface NvmfConnectData {
  hostid: Uint8Array;
  cntlid: number;
  subsysnqn: string;
  hostnqn: string;
}

function getNqn(d: Uint8Array, at: number): string {
  const f = d.subarray(at, at + NVMF_NQN_FIELD_LEN);
  const end = f.indexOf(0);
  return Buffer.from(f.subarray(0, end < 0 ? f.length : end)).toString('utf8');
}

/** Decode `struct nvmf_connect_data` (used by the scripted target in tests and by a future target). */
export function nvmfConnectDataGet(d: Uint8Array): NvmfConnectData {
  if (d.length < NVMF_CONNECT_DATA_SIZE) throw new BiopathError('EPROTO', `nvmfConnectDataGet(d): ${d.length} bytes, needs ${NVMF_CONNECT_DATA_SIZE}`);
  return { hostid: d.slice(0, 16), cntlid: d[16]! | (d[17]! << 8), subsysnqn: getNqn(d, 256), hostnqn: getNqn(d, 512) };
}

/** Property size attribute: 0 = 4 bytes, 1 = 8 bytes (CAP is 8). */
function attrib(size: number): number {
  if (size !== 4 && size !== 8) throw new BiopathError('EINVAL', `nvmf property size ${size}: expected 4 or 8`);
  return size === 8 ? 1 : 0;
}

/**
 * Property Get (FCTYPE 04h): ATTRIB (size) in byte 40, OFST in CDW11; the value comes back in the
 * CQE's result. @kernel drivers/nvme/host/fabrics.c nvmf_reg_read32() / nvmf_reg_read64()
 */
export function nvmfSetupPropertyGet(cmd: NvmeCommand, offset: number, size: 4 | 8): void {
  nvmfInit(cmd, nvme_fabrics_type_property_get);
  cmd[10] = attrib(size);
  cmd[11] = offset >>> 0;
}

/**
 * Property Set (FCTYPE 00h): ATTRIB in byte 40, OFST in CDW11, VALUE in CDW12-13.
 * @kernel drivers/nvme/host/fabrics.c nvmf_reg_write32()
 */
export function nvmfSetupPropertySet(cmd: NvmeCommand, offset: number, value: number, size: 4 | 8 = 4): void {
  nvmfInit(cmd, nvme_fabrics_type_property_set);
  cmd[10] = attrib(size);
  cmd[11] = offset >>> 0;
  nvmePut64(cmd, 12, value);
}

/** Disconnect (FCTYPE 08h): RECFMT 0. @kernel drivers/nvme/host/fabrics.c nvmf_disconnect_admin_queue() */
export function nvmfSetupDisconnect(cmd: NvmeCommand): void {
  nvmfInit(cmd, nvme_fabrics_type_disconnect);
}
