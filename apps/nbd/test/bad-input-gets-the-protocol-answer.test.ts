/**
 * Raw-socket clients (node:net) send what a careful client never would; each case gets the NBD
 * protocol's answer or a clean close, and afterwards the server still serves and nothing is in
 * flight or pinned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as P from '../src/protocol.ts';
import { RawClient, serveImage, stillServes, expectIdle, allClosed, type Served } from './helpers.ts';

const SIZE = 8 << 20;
let s: Served;
let ro: Served;

beforeAll(async () => {
  s = await serveImage(SIZE);
  ro = await serveImage(1 << 20, { readOnly: true });
});
afterAll(async () => {
  await s?.stop();
  await ro?.stop();
});

async function after(srv: Served): Promise<void> {
  await allClosed(srv);
  expectIdle(srv);
  await stillServes(srv === ro ? s : srv);
  await allClosed(srv);
  expectIdle(srv);
}

describe('option haggling', () => {
  it('answers LIST, INFO with block sizes, unknown options with ERR_UNSUP, ABORT with ACK', async () => {
    const c = await RawClient.connect(s.socket);
    await c.read(18);
    c.write(Buffer.from([0, 0, 0, 3]));
    c.option(P.OPT_LIST);
    const l = await c.optReply();
    expect(l.type).toBe(P.REP_SERVER);
    expect(l.data.subarray(4).toString()).toBe('disk');
    expect((await c.optReply()).type).toBe(P.REP_ACK);
    c.option(42);
    expect((await c.optReply()).type).toBe(P.REP_ERR_UNSUP);
    const name = Buffer.from('nope');
    const d = Buffer.alloc(10);
    d.writeUInt32BE(4, 0);
    name.copy(d, 4);
    c.option(P.OPT_INFO, d);
    expect((await c.optReply()).type).toBe(P.REP_ERR_UNKNOWN);
    c.option(P.OPT_INFO, Buffer.from([0, 0, 0, 0, 0, 1, 0, 3]));
    const seen = new Map<number, Buffer>();
    for (;;) {
      const r = await c.optReply();
      if (r.type === P.REP_ACK) break;
      seen.set(r.data.readUInt16BE(0), r.data);
    }
    const st = s.exp.handle.stat();
    expect(Number(seen.get(P.INFO_EXPORT)!.readBigUInt64BE(2))).toBe(SIZE);
    const bs = seen.get(P.INFO_BLOCK_SIZE)!;
    expect(bs.readUInt32BE(2)).toBe(st.logicalBlockSize);
    expect(bs.readUInt32BE(10)).toBe(P.MAX_PAYLOAD);
    c.option(P.OPT_ABORT);
    expect((await c.optReply()).type).toBe(P.REP_ACK);
    await c.closedByServer();
    await after(s);
  });

  it('closes on a bad option magic', async () => {
    const before = s.server.stats().protocolErrors;
    const c = await RawClient.connect(s.socket);
    await c.read(18);
    c.write(Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.alloc(16, 0xee)]));
    await c.closedByServer();
    await allClosed(s);
    expect(s.server.stats().protocolErrors).toBe(before + 1);
    await after(s);
  });
});

describe('transmission', () => {
  it('pipelined requests are all answered, each cookie once', async () => {
    const c = await RawClient.connect(s.socket);
    const { size, flags } = await c.handshake();
    expect(size).toBe(SIZE);
    expect(flags & P.TF_SEND_FLUSH).toBeTruthy();
    expect(flags & P.TF_READ_ONLY).toBe(0);
    const N = 32;
    for (let i = 0; i < N; i++) c.request(P.CMD_WRITE, 100 + i, i * 65536, 65536, { payload: Buffer.alloc(65536, i), flags: i % 2 ? P.CMD_FLAG_FUA : 0 });
    const got = new Set<number>();
    for (let i = 0; i < N; i++) {
      const r = await c.simpleReply();
      expect(r.error).toBe(0);
      got.add(r.cookie);
    }
    expect(got.size).toBe(N);
    c.request(P.CMD_FLUSH, 1, 0, 0);
    expect((await c.simpleReply()).error).toBe(0);
    for (let i = 0; i < N; i++) c.request(P.CMD_READ, 200 + i, i * 65536, 65536);
    for (let i = 0; i < N; i++) {
      const r = await c.simpleReply(65536);
      expect(r.error).toBe(0);
      expect(r.data.equals(Buffer.alloc(65536, r.cookie - 200))).toBe(true);
    }
    c.request(P.CMD_WRITE_ZEROES, 2, 0, 65536, { flags: P.CMD_FLAG_NO_HOLE });
    expect((await c.simpleReply()).error).toBe(0);
    c.request(P.CMD_READ, 3, 0, 65536);
    expect((await c.simpleReply(65536)).data.equals(Buffer.alloc(65536))).toBe(true);
    c.request(P.CMD_DISC, 4, 0, 0);
    await c.closedByServer();
    await after(s);
  });

  it('unknown command, bad flags, unaligned, past the end, over the maximum: EINVAL / ENOSPC', async () => {
    const c = await RawClient.connect(s.socket);
    await c.handshake();
    c.request(77, 1, 0, 0);
    expect((await c.simpleReply()).error).toBe(P.NBD_EINVAL);
    c.request(P.CMD_READ, 2, 0, 4096, { flags: 1 << 9 });
    expect((await c.simpleReply()).error).toBe(P.NBD_EINVAL);
    c.request(P.CMD_READ, 3, 1, 4096);
    expect((await c.simpleReply()).error).toBe(P.NBD_EINVAL);
    c.request(P.CMD_READ, 4, SIZE - 4096, 8192);
    expect((await c.simpleReply()).error).toBe(P.NBD_EINVAL);
    c.request(P.CMD_READ, 5, 2 ** 60, 4096);
    expect((await c.simpleReply()).error).toBe(P.NBD_EINVAL);
    c.request(P.CMD_WRITE, 6, SIZE, 4096, { payload: Buffer.alloc(4096) });
    expect((await c.simpleReply()).error).toBe(P.NBD_ENOSPC);
    c.request(P.CMD_WRITE_ZEROES, 7, SIZE - 4096, 8192);
    expect((await c.simpleReply()).error).toBe(P.NBD_ENOSPC);
    c.request(P.CMD_READ, 8, 0, P.MAX_PAYLOAD + 4096);
    expect((await c.simpleReply()).error).toBe(P.NBD_EINVAL);
    // An oversized write's payload is read and dropped: the stream stays in step.
    c.request(P.CMD_WRITE, 9, 0, P.MAX_PAYLOAD + 4096, { payload: Buffer.alloc(P.MAX_PAYLOAD + 4096, 1) });
    expect((await c.simpleReply()).error).toBe(P.NBD_EINVAL);
    c.request(P.CMD_READ, 10, 0, 4096);
    expect((await c.simpleReply(4096)).error).toBe(0);
    c.request(P.CMD_DISC, 11, 0, 0);
    await c.closedByServer();
    await after(s);
  });

  it('structured replies: OFFSET_DATA for a read, an error chunk for a bad one', async () => {
    const c = await RawClient.connect(s.socket);
    await c.handshake({ structured: true });
    c.request(P.CMD_READ, 1, 4096, 4096);
    const ok = await c.chunk();
    expect(ok.type).toBe(P.REPLY_TYPE_OFFSET_DATA);
    expect(ok.flags & P.REPLY_FLAG_DONE).toBeTruthy();
    expect(Number(ok.data.readBigUInt64BE(0))).toBe(4096);
    expect(ok.data.length).toBe(8 + 4096);
    c.request(P.CMD_READ, 2, SIZE, 4096);
    const bad = await c.chunk();
    expect(bad.type).toBe(P.REPLY_TYPE_ERROR);
    expect(bad.flags & P.REPLY_FLAG_DONE).toBeTruthy();
    expect(bad.data.readUInt32BE(0)).toBe(P.NBD_EINVAL);
    c.request(P.CMD_DISC, 3, 0, 0);
    await c.closedByServer();
    await after(s);
  });

  it('a read-only export answers writes, trims and write-zeroes with EPERM', async () => {
    const c = await RawClient.connect(ro.socket);
    const { flags } = await c.handshake();
    expect(flags & P.TF_READ_ONLY).toBeTruthy();
    c.request(P.CMD_WRITE, 1, 0, 4096, { payload: Buffer.alloc(4096) });
    expect((await c.simpleReply()).error).toBe(P.NBD_EPERM);
    c.request(P.CMD_TRIM, 2, 0, 4096);
    expect((await c.simpleReply()).error).toBe(P.NBD_EPERM);
    c.request(P.CMD_WRITE_ZEROES, 3, 0, 4096);
    expect((await c.simpleReply()).error).toBe(P.NBD_EPERM);
    c.request(P.CMD_READ, 4, 0, 4096);
    expect((await c.simpleReply(4096)).error).toBe(0);
    c.request(P.CMD_DISC, 5, 0, 0);
    await c.closedByServer();
    await allClosed(ro);
    expectIdle(ro);
  });

  it('a garbage header closes the connection cleanly', async () => {
    const before = s.server.stats().protocolErrors;
    const c = await RawClient.connect(s.socket);
    await c.handshake();
    c.write(Buffer.alloc(28, 0xab));
    await c.closedByServer();
    await allClosed(s);
    expect(s.server.stats().protocolErrors).toBe(before + 1);
    await after(s);
  });

  it('a truncated header, then the client goes: released', async () => {
    const c = await RawClient.connect(s.socket);
    await c.handshake();
    const h = Buffer.alloc(28);
    h.writeUInt32BE(P.REQUEST_MAGIC, 0);
    c.write(h.subarray(0, 11));
    c.sock.end();
    await c.closedByServer();
    await after(s);
  });

  it('a client vanishing mid-payload or with reads in flight leaves nothing behind', async () => {
    const a = await RawClient.connect(s.socket);
    await a.handshake();
    const h = Buffer.alloc(28);
    h.writeUInt32BE(P.REQUEST_MAGIC, 0);
    h.writeUInt16BE(P.CMD_WRITE, 6);
    h.writeUInt32BE(1 << 20, 24);
    a.write(Buffer.concat([h, Buffer.alloc(300_000, 7)]));
    a.destroy();
    const b = await RawClient.connect(s.socket);
    await b.handshake({ structured: true });
    for (let i = 0; i < 48; i++) b.request(P.CMD_READ, i, (i % 8) * (1 << 20), 1 << 20);
    for (let i = 0; i < 8; i++) b.request(P.CMD_WRITE, 100 + i, i * 65536, 65536, { payload: Buffer.alloc(65536, 3) });
    b.destroy();
    await after(s);
  });
});
