/**
 * Bringing up a controller over NVMe/TCP: the admin queue (ICReq, Fabrics Connect with a dynamic
 * controller ID), enabling it (Property Get CAP, Property Set CC, then CC.EN and Property Get
 * CSTS until RDY), Identify Controller and Namespace, then one IO queue (ICReq, Connect with the
 * controller ID). Every step's failure is an Error with a code; nothing is left open on failure.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_setup_ctrl()
 */
import { randomBytes } from 'node:crypto';
import type { BioVec } from '@biopath/iov-iter';
import { allocPages, type MemMap, PAGE_SIZE, pageBytes, putPage } from '@biopath/mm';
import { BiopathError } from '@biopath/native';
import { nvmeCommandAlloc, nvmeInitCommand, nvmeSetupIdentifyCtrl, nvmeSetupIdentifyNs, type NvmeCommand } from '../nvme-command.ts';
import { type NvmeIdNs, nvmeParseIdNs } from '../nvme-identify.ts';
import { nvmeStatusString } from '../nvme-status.ts';
import { nvmfConnectDataPut, nvmfSetupConnect, nvmfSetupPropertyGet, nvmfSetupPropertySet } from './nvme-fabrics.ts';
import {
  NVME_CC_AMS_RR, NVME_CC_CSS_NVM, NVME_CC_ENABLE, NVME_CC_IOCQES, NVME_CC_IOSQES, NVME_CC_SHN_NONE, NVME_CNTLID_DYNAMIC,
  NVME_CSTS_CFS, NVME_CSTS_RDY, NVME_REG_CAP, NVME_REG_CC, NVME_REG_CSTS, NVMF_CONNECT_DATA_SIZE, nvme_admin_keep_alive,
} from './nvme-tcp-defs.ts';
import { nvmeTcpAllocQueue, nvmeTcpFailQueue, nvmeTcpFreeQueue, nvmeTcpInitConnection, nvmeTcpQueueRq } from './nvme-tcp-queue.ts';
import type { NvmeTcpSocket } from './nvme-tcp-socket.ts';
import type { NvmeTcpQueue } from './nvme-tcp-types.ts';

/** Options of {@link nvmeTcpSetupCtrl}. */
export interface NvmeTcpCtrlOpts {
  /** Opens one connection (called once for the admin queue and once per IO queue). */
  connect: () => Promise<NvmeTcpSocket>;
  mem: MemMap;
  subsysnqn: string;
  /** Default: an `nqn.2014-08.org.nvmexpress:uuid:` NQN from a random host ID. */
  hostnqn?: string;
  /** 16 bytes; default random. */
  hostid?: Uint8Array;
  nsid?: number;
  /** IO queue depth (default 32). */
  queueDepth?: number;
  hdgst?: boolean;
  ddgst?: boolean;
  /** Keep Alive Timeout sent in the admin Connect, ms (default 0: none; Keep Alive commands are not sent yet). */
  kato?: number;
  /** Most Property Get CSTS polls while waiting for RDY (default 100; 10 ms apart). */
  rdyPolls?: number;
  /**
   * How long each bring-up step (ICResp, each admin command, each Connect) may take, ms (default
   * 60000, the kernel's admin timeout). When it passes, the queue fails (`ETIMEDOUT`) and setup
   * rejects with that code.
   */
  timeoutMs?: number;
}

/** A live controller: the admin queue, one IO queue, and what Identify said. */
export interface NvmeTcpCtrl {
  admin: NvmeTcpQueue;
  io: NvmeTcpQueue;
  cntlid: number;
  cap: number;
  nsid: number;
  idNs: NvmeIdNs;
  /** Identify Controller IOCCSZ * 16: the IO queue's command capsule length. */
  ioccszBytes: number;
  /** Identify Controller MDTS (0: no limit). */
  mdts: number;
}

/** What a synchronous-style submission returns. */
export interface NvmeTcpResult {
  status: number;
  result: number;
}

/**
 * Queue `cmd` and wait for it: resolves with the status and result (a failed command resolves
 * too; check `status`), rejects with `EBUSY` (no tag) or `EIO` (queue not live).
 * @kernel drivers/nvme/host/core.c __nvme_submit_sync_cmd()
 */
export function nvmeTcpSubmitSync(
  q: NvmeTcpQueue, cmd: NvmeCommand, bvec: readonly BioVec[] = [], nrSegs = 0, dataLen = 0, write = false, timeoutMs = 0,
): Promise<NvmeTcpResult> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const tag = nvmeTcpQueueRq(q, cmd, bvec, nrSegs, dataLen, write, (status, result) => {
      clearTimeout(timer);
      resolve({ status, result });
    });
    if (tag === -16) reject(new BiopathError('EBUSY', `nvmeTcpSubmitSync: queue ${q.qid} has no free tag`));
    else if (tag < 0) reject(new BiopathError('EIO', `nvmeTcpSubmitSync: queue ${q.qid} is ${q.state}${q.error ? ` (${q.error.message})` : ''}`));
    else if (timeoutMs > 0) timer = setTimeout(() => nvmeTcpTimeout(q, tag, timeoutMs), timeoutMs);
  });
}

/**
 * A command got no answer in time: fail the queue (`ETIMEDOUT`), which ends it and every other
 * in-flight command with -EIO. @kernel drivers/nvme/host/tcp.c nvme_tcp_timeout()
 */
function nvmeTcpTimeout(q: NvmeTcpQueue, tag: number, ms: number): void {
  nvmeTcpFailQueue(q, new BiopathError('ETIMEDOUT', `nvme-tcp queue ${q.qid}: command id ${tag} got no answer within ${ms} ms`));
}

function statusErr(what: string, r: NvmeTcpResult, q: NvmeTcpQueue): BiopathError {
  if (r.status < 0) return new BiopathError((q.error as BiopathError | null)?.code ?? 'EIO', `${what}: ${q.error?.message ?? 'host error'}`);
  return new BiopathError(what.includes('Connect') ? 'ECONNREFUSED' : 'EIO', `${what}: ${nvmeStatusString(r.status)}`);
}

async function check(what: string, q: NvmeTcpQueue, p: Promise<NvmeTcpResult>): Promise<number> {
  const r = await p;
  if (r.status !== 0) throw statusErr(what, r, q);
  return r.result;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * CC with the host's settings (NVM command set, 4 KiB pages, round robin, 64/16-byte entries),
 * then EN, then CSTS polls until RDY; `EIO` on CFS, `ETIMEDOUT` after `polls`.
 * @kernel drivers/nvme/host/core.c nvme_enable_ctrl() + nvme_wait_ready()
 */
async function nvmeEnableCtrl(q: NvmeTcpQueue, cmd: NvmeCommand, polls: number, ms: number): Promise<number> {
  nvmfSetupPropertyGet(cmd, NVME_REG_CAP, 8);
  const cap = await check('Property Get CAP', q, nvmeTcpSubmitSync(q, cmd, [], 0, 0, false, ms));
  const cc = NVME_CC_CSS_NVM | NVME_CC_AMS_RR | NVME_CC_SHN_NONE | NVME_CC_IOSQES | NVME_CC_IOCQES;
  nvmfSetupPropertySet(cmd, NVME_REG_CC, cc);
  await check('Property Set CC', q, nvmeTcpSubmitSync(q, cmd, [], 0, 0, false, ms));
  nvmfSetupPropertySet(cmd, NVME_REG_CC, cc | NVME_CC_ENABLE);
  await check('Property Set CC.EN', q, nvmeTcpSubmitSync(q, cmd, [], 0, 0, false, ms));
  for (let i = 0; i < polls; i++) {
    nvmfSetupPropertyGet(cmd, NVME_REG_CSTS, 4);
    const csts = await check('Property Get CSTS', q, nvmeTcpSubmitSync(q, cmd, [], 0, 0, false, ms));
    if (csts & NVME_CSTS_CFS) throw new BiopathError('EIO', 'nvmeTcpSetupCtrl: CSTS.CFS (controller fatal status) while enabling');
    if (csts & NVME_CSTS_RDY) return cap;
    await sleep(10);
  }
  throw new BiopathError('ETIMEDOUT', `nvmeTcpSetupCtrl: CSTS.RDY not set after ${polls} polls`);
}

/** ICReq/ICResp, then Connect with the host's Connect data; resolves with the CNTLID. @kernel drivers/nvme/host/fabrics.c nvmf_connect_admin_queue() / nvmf_connect_io_queue() */
async function nvmeTcpConnectQueue(
  q: NvmeTcpQueue, cmd: NvmeCommand, page: number, o: NvmeTcpCtrlOpts, hostid: Uint8Array, hostnqn: string, cntlid: number, sqsize: number,
): Promise<number> {
  const ms = o.timeoutMs ?? 60000;
  const timer = setTimeout(() => nvmeTcpFailQueue(q, new BiopathError('ETIMEDOUT', `nvme-tcp queue ${q.qid}: no ICResp within ${ms} ms`)), ms);
  try {
    await nvmeTcpInitConnection(q);
  } finally {
    clearTimeout(timer);
  }
  nvmfSetupConnect(cmd, q.qid, sqsize, q.qid === 0 ? (o.kato ?? 0) : 0);
  nvmfConnectDataPut(pageBytes(o.mem, page), hostid, cntlid, o.subsysnqn, hostnqn);
  const bv: BioVec[] = [{ bv_page: page, bv_len: NVMF_CONNECT_DATA_SIZE, bv_offset: 0 }];
  return (await check(`Fabrics Connect (queue ${q.qid})`, q, nvmeTcpSubmitSync(q, cmd, bv, 1, NVMF_CONNECT_DATA_SIZE, true, ms))) & 0xffff;
}

/**
 * Bring up a controller (see the file comment). Resolves with the live controller; rejects with
 * `ECONNREFUSED` when the target refuses a Connect (the NVMe status in the message), `EPROTO` for a
 * protocol violation, `EIO`/`ETIMEDOUT` while enabling, `ECONNRESET` when a connection closes;
 * every queue opened so far is closed and the admin page freed before it rejects.
 * @kernel drivers/nvme/host/tcp.c nvme_tcp_setup_ctrl() / nvme_tcp_configure_admin_queue() / nvme_tcp_configure_io_queues()
 */
export async function nvmeTcpSetupCtrl(o: NvmeTcpCtrlOpts): Promise<NvmeTcpCtrl> {
  const hostid = o.hostid ?? randomBytes(16);
  const hex = Buffer.from(hostid).toString('hex');
  const hostnqn = o.hostnqn ?? `nqn.2014-08.org.nvmexpress:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const nsid = o.nsid ?? 1;
  const depth = o.queueDepth ?? 32;
  const ms = o.timeoutMs ?? 60000;
  const page = allocPages(o.mem, 0);
  if (page < 0) throw new BiopathError('ENOMEM', 'nvmeTcpSetupCtrl(mem): no free page for the admin buffer');
  const cmd = nvmeCommandAlloc();
  const queues: NvmeTcpQueue[] = [];
  try {
    const admin = nvmeTcpAllocQueue({ qid: 0, sock: await o.connect(), mem: o.mem, queueDepth: 32, hdgst: o.hdgst, ddgst: o.ddgst });
    queues.push(admin);
    const cntlid = await nvmeTcpConnectQueue(admin, cmd, page, o, hostid, hostnqn, NVME_CNTLID_DYNAMIC, 32);
    const cap = await nvmeEnableCtrl(admin, cmd, o.rdyPolls ?? 100, ms);
    const bv: BioVec[] = [{ bv_page: page, bv_len: PAGE_SIZE, bv_offset: 0 }];
    nvmeSetupIdentifyCtrl(cmd);
    await check('Identify Controller', admin, nvmeTcpSubmitSync(admin, cmd, bv, 1, PAGE_SIZE, false, ms));
    const id = pageBytes(o.mem, page);
    const idv = new DataView(id.buffer, id.byteOffset, PAGE_SIZE);
    const ioccszBytes = idv.getUint32(1792, true) * 16;
    const mdts = id[77]!;
    nvmeSetupIdentifyNs(cmd, nsid);
    await check(`Identify Namespace ${nsid}`, admin, nvmeTcpSubmitSync(admin, cmd, bv, 1, PAGE_SIZE, false, ms));
    const idNs = nvmeParseIdNs(pageBytes(o.mem, page));
    const io = nvmeTcpAllocQueue({
      qid: 1, sock: await o.connect(), mem: o.mem, queueDepth: depth, hdgst: o.hdgst, ddgst: o.ddgst, cmndCapsuleLen: Math.max(64, ioccszBytes),
    });
    queues.push(io);
    await nvmeTcpConnectQueue(io, cmd, page, o, hostid, hostnqn, cntlid, depth);
    putPage(o.mem, page);
    return { admin, io, cntlid, cap, nsid, idNs, ioccszBytes, mdts };
  } catch (e) {
    for (const q of queues) nvmeTcpFreeQueue(q);
    putPage(o.mem, page);
    throw e;
  }
}

/**
 * Send one Keep Alive (admin 18h) and wait for it: resolves when the controller answers;
 * rejects with `EIO` and the NVMe status if it fails it, with the queue's error code (`ETIMEDOUT`,
 * `ECONNRESET`, …) if the admin queue fails first. The periodic timer (KATO / 2) is not here yet.
 * @kernel drivers/nvme/host/core.c nvme_keep_alive_work()
 */
export async function nvmeTcpKeepAlive(c: NvmeTcpCtrl, timeoutMs = 60000): Promise<void> {
  const cmd = nvmeCommandAlloc();
  nvmeInitCommand(cmd, nvme_admin_keep_alive, 0);
  await check('Keep Alive', c.admin, nvmeTcpSubmitSync(c.admin, cmd, [], 0, 0, false, timeoutMs));
}

/** Close both queues (in-flight requests end with -EIO). Idempotent. */
export function nvmeTcpCtrlClose(c: NvmeTcpCtrl): void {
  nvmeTcpFreeQueue(c.io);
  nvmeTcpFreeQueue(c.admin);
}
