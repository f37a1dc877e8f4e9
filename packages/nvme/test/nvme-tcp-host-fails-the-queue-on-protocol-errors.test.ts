/**
 * The NVMe/TCP host's receive path against a scripted peer that writes raw bytes into the queue:
 * a bad ICResp, a header digest error, a PDU for a command not in flight, a C2HTermReq. Each
 * fails the queue with a coded error and ends every in-flight request with -EIO, never a throw.
 */
import type { BioVec } from '@biopath/iov-iter';
import { allocPages, createMemMap, destroyMemMap, type MemMap, putPage } from '@biopath/mm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nvmeCommandAlloc, nvmeSetupRw } from '../src/nvme-command.ts';
import { nvme_cmd_read } from '../src/nvme-defs.ts';
import { nvme_tcp_c2h_data, nvme_tcp_c2h_term, NVME_TCP_F_DATA_LAST } from '../src/tcp/nvme-tcp-defs.ts';
import {
  nvmeTcpDataPduPut, nvmeTcpIcrespPut, nvmeTcpR2tPut, nvmeTcpTermPduPut,
} from '../src/tcp/nvme-tcp-pdu.ts';
import { nvmeTcpAllocQueue, nvmeTcpInitConnection, nvmeTcpQueueRq } from '../src/tcp/nvme-tcp-queue.ts';
import type { NvmeTcpSocket } from '../src/tcp/nvme-tcp-socket.ts';
import type { NvmeTcpQueue } from '../src/tcp/nvme-tcp-types.ts';

let mem: MemMap;
let page: number;
beforeEach(() => {
  mem = createMemMap({ nrPages: 16 });
  page = allocPages(mem, 0);
});
afterEach(() => {
  putPage(mem, page);
  destroyMemMap(mem);
});

/** A socket whose peer is the test: writes are recorded, `feed` delivers bytes. */
function scriptedPeer(): NvmeTcpSocket & { sent: Uint8Array[]; closed: boolean; feed(b: Uint8Array): void } {
  const s = {
    sent: [] as Uint8Array[], closed: false,
    write(b: Uint8Array) { s.sent.push(b.slice()); },
    cork: () => undefined, uncork: () => undefined,
    close() { if (!s.closed) { s.closed = true; s.onClose?.(null); } },
    onData: null as ((c: Uint8Array) => void) | null,
    onClose: null as ((e: Error | null) => void) | null,
    feed(b: Uint8Array) { s.onData?.(b); },
  };
  return s;
}

async function liveQueue(hdgst = false, ddgst = false): Promise<{ q: NvmeTcpQueue; peer: ReturnType<typeof scriptedPeer> }> {
  const peer = scriptedPeer();
  const q = nvmeTcpAllocQueue({ qid: 1, sock: peer, mem, queueDepth: 4, hdgst, ddgst });
  const p = nvmeTcpInitConnection(q);
  const ic = new Uint8Array(128);
  nvmeTcpIcrespPut(ic, 0, { cpda: 0, hdgst, ddgst, maxh2cdata: 8192 });
  peer.feed(ic.subarray(0, 50));
  peer.feed(ic.subarray(50));
  await p;
  return { q, peer };
}

function read(q: NvmeTcpQueue, ends: number[]): number {
  const cmd = nvmeCommandAlloc();
  nvmeSetupRw(cmd, nvme_cmd_read, 1, 0, 8);
  const bv: BioVec[] = [{ bv_page: page, bv_len: 4096, bv_offset: 0 }];
  return nvmeTcpQueueRq(q, cmd, bv, 1, 4096, false, (s) => ends.push(s));
}

describe('nvme-tcp host receive path against a scripted peer', () => {
  it('refuses a queue depth outside 1..65535 with EINVAL naming the option', () => {
    expect(() => nvmeTcpAllocQueue({ qid: 1, sock: scriptedPeer(), mem, queueDepth: 0 })).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('nvmeTcpAllocQueue(queueDepth)') }),
    );
  });

  it.each([
    ['a digest the host did not ask for', { cpda: 0, hdgst: true, ddgst: false, maxh2cdata: 8192 }, /header digest mismatch/],
    ['MAXH2CDATA below 4096', { cpda: 0, hdgst: false, ddgst: false, maxh2cdata: 1024 }, /MAXH2CDATA 1024/],
    ['CPDA above 31', { cpda: 32, hdgst: false, ddgst: false, maxh2cdata: 8192 }, /CPDA 32/],
  ])('rejects an ICResp with %s (EPROTO)', async (_n, ic, msg) => {
    const peer = scriptedPeer();
    const q = nvmeTcpAllocQueue({ qid: 0, sock: peer, mem, queueDepth: 1 });
    const p = nvmeTcpInitConnection(q);
    const b = new Uint8Array(128);
    nvmeTcpIcrespPut(b, 0, ic);
    peer.feed(b);
    await expect(p).rejects.toMatchObject({ code: 'EPROTO', message: expect.stringMatching(msg) });
    expect(peer.closed).toBe(true);
    expect(q.state).toBe('dead');
  });

  it('fails the queue (EBADMSG) on a header digest error and ends in-flight requests with -EIO', async () => {
    const { q, peer } = await liveQueue(true, true);
    const ends: number[] = [];
    expect(read(q, ends)).toBe(0);
    const b = new Uint8Array(64);
    nvmeTcpR2tPut(b, 0, { commandId: 0, ttag: 1, offset: 0, length: 4096 }, true);
    b[14] ^= 0x10;
    peer.feed(b.subarray(0, 28));
    expect(q.error).toMatchObject({ code: 'EBADMSG', message: expect.stringContaining('header digest error on R2T') });
    expect(ends).toEqual([-5]);
    expect(q.nrBusy).toBe(0);
  });

  it('fails the queue (EPROTO) on C2HData for a command id that is not in flight', async () => {
    const { q, peer } = await liveQueue();
    const ends: number[] = [];
    read(q, ends);
    const b = new Uint8Array(64);
    const n = nvmeTcpDataPduPut(b, 0, nvme_tcp_c2h_data, NVME_TCP_F_DATA_LAST, { commandId: 3, ttag: 0, offset: 0, length: 512 }, false, false);
    peer.feed(b.subarray(0, n));
    expect(q.error).toMatchObject({ code: 'EPROTO', message: expect.stringContaining('command id 3, which is not in flight') });
    expect(ends).toEqual([-5]);
  });

  it('fails the queue (EPROTO) on C2HData beyond the request, before touching its pages', async () => {
    const { q, peer } = await liveQueue();
    const ends: number[] = [];
    read(q, ends);
    const b = new Uint8Array(64);
    const n = nvmeTcpDataPduPut(b, 0, nvme_tcp_c2h_data, 0, { commandId: 0, ttag: 0, offset: 0, length: 8192 }, false, false);
    peer.feed(b.subarray(0, n));
    expect(q.error).toMatchObject({ code: 'EPROTO', message: expect.stringContaining('beyond the 4096-byte request') });
    expect(ends).toEqual([-5]);
  });

  it('fails the queue (ECONNABORTED) on a C2HTermReq, naming its fatal error status', async () => {
    const { q, peer } = await liveQueue();
    const ends: number[] = [];
    read(q, ends);
    const b = new Uint8Array(200);
    const n = nvmeTcpTermPduPut(b, 0, nvme_tcp_c2h_term, 2, 0, new Uint8Array(72));
    for (let i = 0; i < n; i++) peer.feed(b.subarray(i, i + 1));
    expect(q.error).toMatchObject({ code: 'ECONNABORTED', message: expect.stringContaining('FES 0x2 (PDU Sequence Error)') });
    expect(ends).toEqual([-5]);
  });
});
