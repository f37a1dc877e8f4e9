/**
 * The NVMe/TCP host (admin + IO queue bring-up, reads, writes, digests, failures) over real
 * loopback TCP against a scripted in-process target (test/nvme-tcp-scripted-target.ts). The real
 * target (Linux nvmet-tcp in the QEMU guest) is not exercised here yet.
 */
import { connect } from 'node:net';
import type { BioVec } from '@biopath/iov-iter';
import {
  allocPages, createMemMap, destroyMemMap, expectNoLeakedPins, type MemMap, PAGE_SIZE, pageBytes, putPage, snapshotPins,
} from '@biopath/mm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nvmeCommandAlloc, nvmeSetupRw } from '../src/nvme-command.ts';
import { nvme_cmd_read, nvme_cmd_write } from '../src/nvme-defs.ts';
import { nvmeTcpCtrlClose, nvmeTcpKeepAlive, nvmeTcpSetupCtrl, nvmeTcpSubmitSync, type NvmeTcpCtrl, type NvmeTcpCtrlOpts } from '../src/tcp/nvme-tcp-ctrl.ts';
import { NVME_SC_DATA_XFER_ERROR } from '../src/tcp/nvme-tcp-defs.ts';
import { nvmeTcpQueueRq } from '../src/tcp/nvme-tcp-queue.ts';
import { nvmeTcpSocketFromNet, type NvmeTcpSocket } from '../src/tcp/nvme-tcp-socket.ts';
import { type ScriptedTarget, type ScriptedTargetOpts, startScriptedTarget } from './nvme-tcp-scripted-target.ts';

const NQN = 'nqn.2024-01.io.biopath:scripted';
let mem: MemMap;
let target: ScriptedTarget | null = null;
let ctrl: NvmeTcpCtrl | null = null;
const pages: number[] = [];

beforeEach(() => {
  mem = createMemMap({ nrPages: 128 });
});
afterEach(async () => {
  if (ctrl) nvmeTcpCtrlClose(ctrl);
  ctrl = null;
  for (const p of pages.splice(0)) putPage(mem, p);
  await target?.close();
  target = null;
  destroyMemMap(mem);
});

async function setup(t: Partial<ScriptedTargetOpts> = {}, c: Partial<NvmeTcpCtrlOpts> = {}): Promise<NvmeTcpCtrl> {
  target = await startScriptedTarget({ subsysnqn: NQN, nsBlocks: 2048, ...t });
  const port = target.port;
  const open = (): Promise<NvmeTcpSocket> => new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(nvmeTcpSocketFromNet(s)));
    s.once('error', reject);
  });
  ctrl = await nvmeTcpSetupCtrl({ connect: open, mem, subsysnqn: NQN, queueDepth: 8, ...c });
  return ctrl;
}

/** `n` pages as bvecs, each starting `skew` bytes in and `len` long (the request's pages). */
function bvecs(n: number, len = PAGE_SIZE, skew = 0): BioVec[] {
  const out: BioVec[] = [];
  for (let i = 0; i < n; i++) {
    const p = allocPages(mem, 0);
    expect(p).toBeGreaterThanOrEqual(0);
    pages.push(p);
    pageBytes(mem, p).fill(0);
    out.push({ bv_page: p, bv_len: len, bv_offset: skew });
  }
  return out;
}

function gather(bv: readonly BioVec[]): Uint8Array {
  return Buffer.concat(bv.map((b) => pageBytes(mem, b.bv_page).subarray(b.bv_offset, b.bv_offset + b.bv_len)));
}

/** Resolve once `cond()` holds (checked every 5 ms; the test's own timeout bounds the wait). */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const poll = (): void => { if (cond()) resolve(); else setTimeout(poll, 5); };
    poll();
  });
}

function pattern(ns: Uint8Array, seed: number): void {
  for (let i = 0; i < ns.length; i++) ns[i] = (i * 7 + seed + (i >> 9)) & 0xff;
}

function rw(op: number, slba: number, bytes: number): Uint32Array {
  const cmd = nvmeCommandAlloc();
  nvmeSetupRw(cmd, op, 1, slba, bytes / 512);
  return cmd;
}

describe('nvme-tcp host against a scripted target', () => {
  it('connects the admin queue, enables the controller (CC.EN, CSTS.RDY), identifies, connects an IO queue', async () => {
    const c = await setup();
    expect(c.admin.state).toBe('live');
    expect(c.io.state).toBe('live');
    expect(c.cntlid).toBe(1);
    expect(c.idNs.nsze).toBe(2048);
    expect(c.idNs.lbaSize).toBe(512);
    expect(c.ioccszBytes).toBe(64 + 4096);
    expect(c.io.cmndCapsuleLen).toBe(64 + 4096);
    expect(target!.log).toEqual(['connect q0', 'cc 460000', 'cc 460001', 'connect q1']);
  });

  it('sends Keep Alive on the admin queue; once the admin connection is gone it fails with EIO', async () => {
    const c = await setup();
    await nvmeTcpKeepAlive(c);
    expect(target!.log.slice(-1)).toEqual(['keep alive']);
    target!.conns[0]!.destroy();
    await until(() => c.admin.state === 'dead');
    expect(c.admin.error).toMatchObject({ code: 'ECONNRESET' });
    await expect(nvmeTcpKeepAlive(c)).rejects.toMatchObject({ code: 'EIO' });
    expect(c.io.state).toBe('live');
  });

  describe.each([
    { digests: 'none', hdgst: false, ddgst: false },
    { digests: 'header+data', hdgst: true, ddgst: true },
  ])('with digests $digests', ({ hdgst, ddgst }) => {
    it.each([
      { end: 'CapsuleResp', c2hSuccess: false },
      { end: 'C2HData SUCCESS', c2hSuccess: true },
    ])('reads through C2HData PDUs straight into the request pages (ended by $end)', async ({ c2hSuccess }) => {
      const c = await setup({ c2hChunk: 5000, c2hSuccess }, { hdgst, ddgst });
      pattern(target!.ns, 3);
      const bv = bvecs(3, 3072, 512);
      const rsp0 = c.io.stats.responses;
      const r = await nvmeTcpSubmitSync(c.io, rw(nvme_cmd_read, 16, 9216), bv, 3, 9216, false);
      expect(r.status).toBe(0);
      expect(Buffer.from(gather(bv)).equals(Buffer.from(target!.ns.subarray(16 * 512, 16 * 512 + 9216)))).toBe(true);
      expect(c.io.stats.c2hPdus).toBe(2);
      expect(c.io.stats.responses - rsp0).toBe(c2hSuccess ? 0 : 1);
      expect(c.io.nrBusy).toBe(0);
    });

    it('sends a small write as in-capsule data', async () => {
      const c = await setup({}, { hdgst, ddgst });
      const bv = bvecs(1, 2048, 1024);
      pattern(pageBytes(mem, bv[0]!.bv_page), 9);
      const inline0 = c.io.stats.inlineWrites;
      const r = await nvmeTcpSubmitSync(c.io, rw(nvme_cmd_write, 4, 2048), bv, 1, 2048, true);
      expect(r.status).toBe(0);
      expect(target!.log.slice(-1)).toEqual(['inline 2048']);
      expect(Buffer.from(target!.ns.subarray(2048, 4096)).equals(Buffer.from(gather(bv)))).toBe(true);
      expect(c.io.stats.inlineWrites - inline0).toBe(1);
      expect(c.io.stats.r2ts).toBe(0);
    });

    it('sends a write larger than the capsule as H2CData PDUs answering the R2T, MAXH2CDATA at a time', async () => {
      const c = await setup({ maxh2cdata: 8192 }, { hdgst, ddgst });
      const bv = bvecs(6);
      for (const b of bv) pattern(pageBytes(mem, b.bv_page), b.bv_page);
      const inline0 = c.io.stats.inlineWrites;
      const r = await nvmeTcpSubmitSync(c.io, rw(nvme_cmd_write, 100, 6 * PAGE_SIZE), bv, 6, 6 * PAGE_SIZE, true);
      expect(r.status).toBe(0);
      expect(target!.log.slice(-4)).toEqual(['r2t 0+24576', 'h2c 8192', 'h2c 8192', 'h2c 8192 last']);
      expect(Buffer.from(target!.ns.subarray(100 * 512, 100 * 512 + 6 * PAGE_SIZE)).equals(Buffer.from(gather(bv)))).toBe(true);
      expect(c.io.stats.inlineWrites - inline0).toBe(0);
      expect(c.io.stats.h2cPdus).toBe(3);
    });
  });

  it('answers several R2Ts for one write in order, each with its own H2CData run ending in LAST', async () => {
    const c = await setup({ maxh2cdata: 4096, r2tChunk: 8192 }, { ddgst: true });
    const bv = bvecs(4);
    for (const b of bv) pattern(pageBytes(mem, b.bv_page), 5 * b.bv_page);
    const r = await nvmeTcpSubmitSync(c.io, rw(nvme_cmd_write, 40, 4 * PAGE_SIZE), bv, 4, 4 * PAGE_SIZE, true);
    expect(r.status).toBe(0);
    expect(target!.log.slice(-6)).toEqual(['r2t 0+8192', 'h2c 4096', 'h2c 4096 last', 'r2t 8192+8192', 'h2c 4096', 'h2c 4096 last']);
    expect(Buffer.from(target!.ns.subarray(40 * 512, 40 * 512 + 4 * PAGE_SIZE)).equals(Buffer.from(gather(bv)))).toBe(true);
    expect(c.io.stats.r2ts).toBe(2);
  });

  it('detects a corrupted data digest: that read ends with Data Transfer Error, the queue goes on', async () => {
    const c = await setup({ corruptDdgst: true }, { hdgst: true, ddgst: true });
    pattern(target!.ns, 1);
    const bv = bvecs(1);
    const bad = await nvmeTcpSubmitSync(c.io, rw(nvme_cmd_read, 0, PAGE_SIZE), bv, 1, PAGE_SIZE, false);
    expect(bad.status).toBe(NVME_SC_DATA_XFER_ERROR);
    expect(c.io.stats.ddgstErrors).toBe(1);
    const good = await nvmeTcpSubmitSync(c.io, rw(nvme_cmd_read, 8, PAGE_SIZE), bv, 1, PAGE_SIZE, false);
    expect(good.status).toBe(0);
    expect(Buffer.from(gather(bv)).equals(Buffer.from(target!.ns.subarray(4096, 8192)))).toBe(true);
    expect(c.io.state).toBe('live');
  });

  it('rejects with ECONNREFUSED and the NVMe status when the target refuses Connect, leaving nothing open', async () => {
    await expect(setup({ refuseConnect: 0x4182 })).rejects.toMatchObject({
      code: 'ECONNREFUSED', message: expect.stringMatching(/Fabrics Connect \(queue 0\).*SC 82h/),
    });
    expect(ctrl).toBeNull();
    await until(() => target!.conns.every((s) => s.destroyed));
  });

  it('rejects with ECONNREFUSED when the subsystem NQN is not the target\'s', async () => {
    await expect(setup({ subsysnqn: 'nqn.2024-01.io.biopath:other' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it.each(['icreq', 'connect', 'identify'] as const)(
    'rejects with ETIMEDOUT, leaving nothing open, when the target never answers the %s',
    async (mute) => {
      await expect(setup({ mute }, { timeoutMs: 500 })).rejects.toMatchObject({
        code: 'ETIMEDOUT', message: expect.stringContaining('within 500 ms'),
      });
      expect(ctrl).toBeNull();
      await until(() => target!.conns.every((s) => s.destroyed));
    },
  );

  it('fails every in-flight request with EIO when the peer closes mid-IO, and frees every tag', async () => {
    const c = await setup({ closeOnOpcode: nvme_cmd_read, closeAfter: 2 });
    const bv = bvecs(4);
    const before = snapshotPins(mem);
    const ends: number[][] = [[], [], [], []];
    for (let i = 0; i < 4; i++) {
      expect(nvmeTcpQueueRq(c.io, rw(nvme_cmd_read, i * 8, PAGE_SIZE), [bv[i]!], 1, PAGE_SIZE, false, (s) => ends[i]!.push(s))).toBe(i);
    }
    await until(() => c.io.state === 'dead');
    expect(c.io.error).toMatchObject({ code: 'ECONNRESET' });
    expect(ends.filter((e) => e.length === 1 && e[0] === -5).length).toBe(ends.filter((e) => e[0] === -5).length);
    expect(ends.every((e) => e.length === 1)).toBe(true);
    expect(ends.filter((e) => e[0] === -5).length).toBeGreaterThanOrEqual(2);
    expect(c.io.nrBusy).toBe(0);
    expect(c.io.rqs.every((r) => !r.busy && r.done === null)).toBe(true);
    expectNoLeakedPins(mem, before, { refs: true });
    expect(nvmeTcpQueueRq(c.io, rw(nvme_cmd_read, 0, PAGE_SIZE), [bv[0]!], 1, PAGE_SIZE, false, () => undefined)).toBe(-5);
    await expect(nvmeTcpSubmitSync(c.io, rw(nvme_cmd_read, 0, PAGE_SIZE), [bv[0]!], 1, PAGE_SIZE)).rejects.toMatchObject({ code: 'EIO' });
  });
});
