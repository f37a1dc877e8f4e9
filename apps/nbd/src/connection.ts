/**
 * One NBD connection: the fixed newstyle handshake (option haggling) and the transmission phase.
 * Requests are read one after another and run concurrently; each is answered when it completes,
 * so replies go out of order. Bad input gets the protocol's error; a broken stream (bad magic,
 * truncated header or payload, peer gone) closes the connection once everything it started has
 * finished, so nothing stays pinned or in flight.
 */
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ByteReader, ReaderClosed } from './byte-reader.ts';
import type { NbdExport, NbdServer } from './server.ts';
import * as P from './protocol.ts';

/** Requests one connection may have in flight, and payload bytes (reads and writes) in flight. */
const MAX_REQUESTS = 64;
const MAX_CONN_BYTES = 64 << 20;
/** Device IO is issued in pieces of at most this many bytes (bounce buffers stay small). */
const CHUNK = 1 << 20;
const ZEROES = new Uint8Array(CHUNK);

class ProtocolError extends Error {}

class NbdReplyError extends Error {
  constructor(readonly nbdErr: number, message: string) {
    super(message);
  }
}

export class Connection {
  reader: ByteReader;
  /** The plain socket, or after STARTTLS the TLS socket over it. */
  sock: Socket;
  structured = false;
  tls = false;
  #draining = false;
  #atHeader = false;
  #inFlight = new Set<Promise<void>>();
  #bytes = 0;
  #slotWaiter: (() => void) | null = null;

  constructor(readonly server: NbdServer, sock: Socket) {
    this.sock = sock;
    this.reader = new ByteReader(sock);
  }

  /** Shutdown: take no new request; an idle reader stops now, a busy one after this request. */
  drain(): void {
    this.#draining = true;
    if (this.#atHeader) this.reader.close('server shutting down');
  }

  /**
   * Queue reply bytes. The socket is corked until the end of this tick, so every reply that
   * completes in one tick (a reaped batch) leaves in one writev instead of one syscall per part.
   */
  send(...parts: Uint8Array[]): void {
    if (this.sock.destroyed || !this.sock.writable) return;
    if (!this.#corked) {
      this.#corked = true;
      this.sock.cork();
      process.nextTick(this.#uncork);
    }
    for (const p of parts) this.sock.write(p);
  }

  #corked = false;
  readonly #uncork = (): void => {
    this.#corked = false;
    this.sock.uncork();
  };

  // ---- handshake -------------------------------------------------------------------------

  async handshake(): Promise<NbdExport | null> {
    const hello = Buffer.alloc(18);
    hello.writeBigUInt64BE(P.NBDMAGIC, 0);
    hello.writeBigUInt64BE(P.IHAVEOPT, 8);
    hello.writeUInt16BE(P.FLAG_FIXED_NEWSTYLE | P.FLAG_NO_ZEROES, 16);
    this.send(hello);
    const cflags = (await this.reader.read(4)).readUInt32BE(0);
    if (cflags & ~(P.FLAG_C_FIXED_NEWSTYLE | P.FLAG_C_NO_ZEROES)) throw new ProtocolError(`unknown client flags ${cflags}`);
    if (!(cflags & P.FLAG_C_FIXED_NEWSTYLE)) throw new ProtocolError('client does not speak fixed newstyle');
    const noZeroes = (cflags & P.FLAG_C_NO_ZEROES) !== 0;
    for (let round = 0; round < 1024; round++) {
      if (this.#draining) return null;
      const h = await this.reader.read(16);
      if (h.readBigUInt64BE(0) !== P.IHAVEOPT) throw new ProtocolError('bad option magic');
      const opt = h.readUInt32BE(8);
      const len = h.readUInt32BE(12);
      if (len > P.MAX_OPTION) {
        if (opt === P.OPT_EXPORT_NAME) throw new ProtocolError('export name too long');
        await this.reader.skip(len);
        this.optReply(opt, P.REP_ERR_TOO_BIG);
        continue;
      }
      const data = await this.reader.read(len);
      if (this.server.tls?.require && !this.tls && opt !== P.OPT_STARTTLS && opt !== P.OPT_ABORT) {
        if (opt === P.OPT_EXPORT_NAME) throw new ProtocolError('NBD_OPT_EXPORT_NAME before STARTTLS on a TLS-only server');
        this.optReply(opt, P.REP_ERR_TLS_REQD);
        continue;
      }
      switch (opt) {
        case P.OPT_STARTTLS:
          if (!this.server.tls) this.optReply(opt, P.REP_ERR_UNSUP);
          else if (this.tls || len !== 0) this.optReply(opt, P.REP_ERR_INVALID);
          else {
            this.optReply(opt, P.REP_ACK);
            await this.#startTls();
          }
          break;
        case P.OPT_EXPORT_NAME: {
          const exp = this.server.lookup(data.toString('utf8'));
          if (!exp) throw new ProtocolError('NBD_OPT_EXPORT_NAME: no such export');
          const r = Buffer.alloc(noZeroes ? 10 : 134);
          r.writeBigUInt64BE(BigInt(exp.size), 0);
          r.writeUInt16BE(exp.flags, 8);
          this.send(r);
          return exp;
        }
        case P.OPT_ABORT:
          this.optReply(opt, P.REP_ACK);
          return null;
        case P.OPT_LIST:
          if (len !== 0) {
            this.optReply(opt, P.REP_ERR_INVALID);
            break;
          }
          for (const name of this.server.exports.keys()) {
            const n = Buffer.from(name, 'utf8');
            const d = Buffer.alloc(4 + n.length);
            d.writeUInt32BE(n.length, 0);
            n.copy(d, 4);
            this.optReply(opt, P.REP_SERVER, d);
          }
          this.optReply(opt, P.REP_ACK);
          break;
        case P.OPT_STRUCTURED_REPLY:
          if (len !== 0) this.optReply(opt, P.REP_ERR_INVALID);
          else {
            this.structured = true;
            this.optReply(opt, P.REP_ACK);
          }
          break;
        case P.OPT_INFO:
        case P.OPT_GO: {
          const exp = this.infoOrGo(opt, data);
          if (exp && opt === P.OPT_GO) return exp;
          break;
        }
        default:
          this.optReply(opt, P.REP_ERR_UNSUP);
      }
    }
    throw new ProtocolError('too many options');
  }

  /**
   * After the STARTTLS ACK has left: the TLS handshake over the plain socket, then a reader over
   * TLS. The handshake runs through a one-connection `tls.Server` so the client certificate is
   * checked (and a bad one refused) exactly as a listening TLS server would.
   */
  async #startTls(): Promise<void> {
    const raw = this.sock;
    if (this.#corked) this.#uncork();
    await new Promise<void>((r) => raw.write(new Uint8Array(0), () => r()));
    this.reader.detach();
    raw.on('error', () => undefined); // the TLS socket over it reports the connection's errors
    const t = await new Promise<TLSSocket>((resolve, reject) => {
      const srv = createTlsServer(this.server.tls!.options);
      srv.once('secureConnection', resolve);
      srv.once('tlsClientError', (e) => reject(new ProtocolError(`TLS handshake: ${e.message}`)));
      raw.once('close', () => reject(new ReaderClosed('closed during the TLS handshake')));
      srv.emit('connection', raw);
    });
    this.sock = t;
    this.reader = new ByteReader(t);
    this.tls = true;
  }

  optReply(opt: number, type: number, data: Uint8Array = new Uint8Array(0)): void {
    const h = Buffer.alloc(20);
    h.writeBigUInt64BE(P.OPT_REPLY_MAGIC, 0);
    h.writeUInt32BE(opt, 8);
    h.writeUInt32BE(type >>> 0, 12);
    h.writeUInt32BE(data.length, 16);
    this.send(h, data);
  }

  infoOrGo(opt: number, data: Buffer): NbdExport | null {
    if (data.length < 6) return this.optReply(opt, P.REP_ERR_INVALID), null;
    const nameLen = data.readUInt32BE(0);
    if (nameLen > data.length - 6) return this.optReply(opt, P.REP_ERR_INVALID), null;
    const nreq = data.readUInt16BE(4 + nameLen);
    if (data.length !== 6 + nameLen + 2 * nreq) return this.optReply(opt, P.REP_ERR_INVALID), null;
    const exp = this.server.lookup(data.toString('utf8', 4, 4 + nameLen));
    if (!exp) return this.optReply(opt, P.REP_ERR_UNKNOWN), null;
    const ex = Buffer.alloc(12);
    ex.writeUInt16BE(P.INFO_EXPORT, 0);
    ex.writeBigUInt64BE(BigInt(exp.size), 2);
    ex.writeUInt16BE(exp.flags, 10);
    this.optReply(opt, P.REP_INFO, ex);
    const bs = Buffer.alloc(14);
    bs.writeUInt16BE(P.INFO_BLOCK_SIZE, 0);
    bs.writeUInt32BE(exp.minBlock, 2);
    bs.writeUInt32BE(exp.prefBlock, 6);
    bs.writeUInt32BE(exp.maxBlock, 10);
    this.optReply(opt, P.REP_INFO, bs);
    this.optReply(opt, P.REP_ACK);
    return exp;
  }

  // ---- transmission ----------------------------------------------------------------------

  async #slot(bytes: number): Promise<void> {
    while (this.#inFlight.size >= MAX_REQUESTS || (this.#bytes > 0 && this.#bytes + bytes > MAX_CONN_BYTES)) {
      await new Promise<void>((r) => (this.#slotWaiter = r));
    }
  }

  async transmission(exp: NbdExport): Promise<void> {
    for (;;) {
      if (this.#draining) return;
      await this.#slot(0);
      if (this.#draining) return;
      this.#atHeader = true;
      let h: Buffer;
      try {
        h = await this.reader.read(28);
      } finally {
        this.#atHeader = false;
      }
      if (h.readUInt32BE(0) !== P.REQUEST_MAGIC) throw new ProtocolError('bad request magic');
      const flags = h.readUInt16BE(4);
      const type = h.readUInt16BE(6);
      const cookie = h.subarray(8, 16);
      const off64 = h.readBigUInt64BE(16);
      const len = h.readUInt32BE(24);
      const offset = off64 > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(off64);
      if (type === P.CMD_DISC) return;
      this.server.counters.requests++;
      let payload: Buffer | null = null;
      if (type === P.CMD_WRITE) {
        if (len > exp.maxBlock) {
          await this.reader.skip(len);
          this.#start(cookie, false, Promise.reject(new NbdReplyError(P.NBD_EINVAL, 'write longer than the maximum payload')), 0);
          continue;
        }
        await this.#slot(len);
        payload = await this.reader.read(len);
      } else if (type === P.CMD_READ && len <= exp.maxBlock) await this.#slot(len);
      const bytes = type === P.CMD_READ || type === P.CMD_WRITE ? Math.min(len, exp.maxBlock) : 0;
      this.#start(cookie, type === P.CMD_READ, this.#run(exp, type, flags, offset, len, payload), bytes, offset);
    }
  }

  #start(cookie: Buffer, isRead: boolean, work: Promise<Uint8Array | null>, bytes: number, offset = 0): void {
    this.server.counters.inFlight++;
    this.#bytes += bytes;
    const c = Buffer.from(cookie);
    const p = work.then(
      (data) => this.#reply(c, isRead, 0, data, offset, ''),
      (e: unknown) => {
        const err = e instanceof NbdReplyError ? e.nbdErr : P.nbdErrno((e as { code?: string }).code);
        this.#reply(c, isRead, err, null, offset, (e as Error).message ?? String(e));
      },
    ).finally(() => {
      this.server.counters.inFlight--;
      this.#bytes -= bytes;
      this.#inFlight.delete(p);
      const w = this.#slotWaiter;
      this.#slotWaiter = null;
      w?.();
    });
    this.#inFlight.add(p);
  }

  #reply(cookie: Buffer, isRead: boolean, err: number, data: Uint8Array | null, offset: number, msg: string): void {
    if (err) this.server.counters.errorReplies++;
    if (!this.structured) {
      const h = Buffer.alloc(16);
      h.writeUInt32BE(P.SIMPLE_REPLY_MAGIC, 0);
      h.writeUInt32BE(err, 4);
      cookie.copy(h, 8);
      if (!err && isRead && data) this.send(h, data);
      else this.send(h);
      return;
    }
    const h = Buffer.alloc(20);
    h.writeUInt32BE(P.STRUCTURED_REPLY_MAGIC, 0);
    h.writeUInt16BE(P.REPLY_FLAG_DONE, 4);
    cookie.copy(h, 8);
    if (err) {
      const m = Buffer.from(msg.slice(0, 1024), 'utf8');
      const body = Buffer.alloc(6 + m.length);
      body.writeUInt32BE(err, 0);
      body.writeUInt16BE(m.length, 4);
      m.copy(body, 6);
      h.writeUInt16BE(P.REPLY_TYPE_ERROR, 6);
      h.writeUInt32BE(body.length, 16);
      this.send(h, body);
    } else if (isRead && data) {
      const o = Buffer.alloc(8);
      o.writeBigUInt64BE(BigInt(offset), 0);
      h.writeUInt16BE(P.REPLY_TYPE_OFFSET_DATA, 6);
      h.writeUInt32BE(8 + data.length, 16);
      this.send(h, o, data);
    } else {
      h.writeUInt16BE(P.REPLY_TYPE_NONE, 6);
      this.send(h);
    }
  }

  /** One request against the export; resolves with a read's data, rejects with what to answer. */
  async #run(exp: NbdExport, type: number, flags: number, offset: number, len: number, payload: Buffer | null): Promise<Uint8Array | null> {
    const fail = (err: number, why: string): never => {
      throw new NbdReplyError(err, why);
    };
    const aligned = offset % exp.minBlock === 0 && len % exp.minBlock === 0;
    const end = offset + len;
    const dev = exp.handle;
    switch (type) {
      case P.CMD_READ: {
        if (flags !== 0) fail(P.NBD_EINVAL, 'unsupported read flags');
        if (len > exp.maxBlock) fail(P.NBD_EINVAL, 'read longer than the maximum payload');
        if (len === 0 || !aligned) fail(P.NBD_EINVAL, `read not aligned to ${exp.minBlock} bytes`);
        if (end > exp.size) fail(P.NBD_EINVAL, 'read past the end of the export');
        return this.#withBudget(exp, len, async () => {
          if (len <= CHUNK) return dev.read(offset, len);
          const out = Buffer.allocUnsafe(len);
          const ranges = [];
          for (let at = 0; at < len; at += CHUNK) ranges.push({ offset: offset + at, buffer: out.subarray(at, Math.min(len, at + CHUNK)) });
          await dev.readv(ranges);
          return out;
        });
      }
      case P.CMD_WRITE: {
        if (flags & ~P.CMD_FLAG_FUA) fail(P.NBD_EINVAL, 'unsupported write flags');
        if (exp.readOnly) fail(P.NBD_EPERM, 'export is read-only');
        if (len === 0 || !aligned) fail(P.NBD_EINVAL, `write not aligned to ${exp.minBlock} bytes`);
        if (end > exp.size) fail(P.NBD_ENOSPC, 'write past the end of the export');
        await this.#withBudget(exp, len, () => writeChunks(dev, offset, payload!, (flags & P.CMD_FLAG_FUA) !== 0));
        return null;
      }
      case P.CMD_FLUSH:
        if (flags !== 0) fail(P.NBD_EINVAL, 'unsupported flush flags');
        if (!exp.readOnly) await dev.flush();
        return null;
      case P.CMD_TRIM: {
        if (flags & ~P.CMD_FLAG_FUA) fail(P.NBD_EINVAL, 'unsupported trim flags');
        if (exp.readOnly) fail(P.NBD_EPERM, 'export is read-only');
        if (!exp.canTrim) fail(P.NBD_EINVAL, 'trim is not supported by this export');
        if (!aligned) fail(P.NBD_EINVAL, `trim not aligned to ${exp.minBlock} bytes`);
        if (end > exp.size) fail(P.NBD_EINVAL, 'trim past the end of the export');
        if (len > 0) await dev.discard(offset, len);
        if (flags & P.CMD_FLAG_FUA) await dev.flush();
        return null;
      }
      case P.CMD_WRITE_ZEROES: {
        if (flags & ~(P.CMD_FLAG_FUA | P.CMD_FLAG_NO_HOLE)) fail(P.NBD_EINVAL, 'unsupported write-zeroes flags');
        if (exp.readOnly) fail(P.NBD_EPERM, 'export is read-only');
        if (!aligned) fail(P.NBD_EINVAL, `write-zeroes not aligned to ${exp.minBlock} bytes`);
        if (end > exp.size) fail(P.NBD_ENOSPC, 'write-zeroes past the end of the export');
        if (len === 0) return null;
        const fua = (flags & P.CMD_FLAG_FUA) !== 0;
        // NO_HOLE: the range must stay allocated, so zeroes are written as data; so is any range
        // the device cannot zero itself.
        if ((flags & P.CMD_FLAG_NO_HOLE) || !exp.canWriteZeroes) {
          for (let at = 0; at < len; at += CHUNK) {
            const n = Math.min(CHUNK, len - at);
            await this.#withBudget(exp, n, () => dev.write(offset + at, ZEROES.subarray(0, n), { fua }));
          }
        } else {
          await dev.writeZeroes(offset, len);
          if (fua) await dev.flush();
        }
        return null;
      }
      default:
        return fail(P.NBD_EINVAL, `unknown command ${type}`);
    }
  }

  async #withBudget<T>(exp: NbdExport, bytes: number, fn: () => Promise<T>): Promise<T> {
    const got = await exp.budget.acquire(bytes);
    try {
      return await fn();
    } finally {
      exp.budget.release(got);
    }
  }

  /** Everything this connection started has finished (replies sent or dropped). */
  async settle(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }
}

async function writeChunks(dev: NbdExport['handle'], offset: number, data: Buffer, fua: boolean): Promise<void> {
  if (data.length <= CHUNK) {
    await dev.write(offset, data, { fua });
    return;
  }
  const ranges = [];
  for (let at = 0; at < data.length; at += CHUNK) ranges.push({ offset: offset + at, data: data.subarray(at, Math.min(data.length, at + CHUNK)) });
  await dev.writev(ranges, { fua });
}

/** Serve one accepted socket until the client leaves, breaks the protocol, or the server drains. */
export async function serveConnection(server: NbdServer, raw: Socket): Promise<void> {
  const c = new Connection(server, raw);
  server.connections.add(c);
  try {
    const exp = await c.handshake();
    if (exp) await c.transmission(exp);
  } catch (e) {
    if (e instanceof ProtocolError) server.counters.protocolErrors++;
    else if (!(e instanceof ReaderClosed)) server.log(`biopath-nbd: connection error: ${(e as Error).message}`);
  } finally {
    await c.settle();
    server.connections.delete(c);
    c.reader.close('connection done');
    const sock = c.sock;
    await new Promise<void>((r) => {
      if (sock.destroyed) return r();
      sock.once('close', () => r());
      sock.end();
      sock.destroySoon?.();
      setTimeout(() => sock.destroy(), 5000).unref();
    });
  }
}
