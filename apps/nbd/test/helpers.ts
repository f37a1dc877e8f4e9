/**
 * Test helpers: an in-process server (its handles' stats are the pin check), a raw NBD client over
 * node:net, and the CLI as a child process (ready line, stopped by its pid with SIGTERM).
 */
import { connect, type Socket } from 'node:net';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openBlockDevice, type OpenOptions } from '@biopath/blockdev';
import { createImage, removeImage } from '@biopath/testing';
import { expect } from 'vitest';
import { NbdServer, makeExport, type NbdExport } from '../src/index.ts';
import * as P from '../src/protocol.ts';

export const BIN = fileURLToPath(new URL('../bin/biopath-nbd.mjs', import.meta.url));

export interface Served {
  server: NbdServer;
  exp: NbdExport;
  socket: string;
  image: string;
  stop(): Promise<void>;
}

/** An image file served in this process on a unix socket in the image's directory. */
export async function serveImage(size: number, opts: OpenOptions = {}): Promise<Served> {
  const image = createImage(size, { fill: 'zero' });
  const socket = join(image, '..', 'nbd.sock');
  const exp = makeExport('disk', openBlockDevice(image, { driver: 'bdev', ...opts }));
  const server = new NbdServer([exp]);
  await server.listen({ unix: socket });
  return {
    server, exp, socket, image,
    async stop() {
      await server.close();
      removeImage(image);
    },
  };
}

/** Nothing in flight, nothing pinned: the export's handle balanced and the server idle. */
export function expectIdle(s: Served): void {
  const st = s.exp.handle.closed ? null : s.exp.handle.stats();
  if (st) {
    expect(st.inFlight).toBe(0);
    expect(st.pinsReleased).toBe(st.pinsAcquired);
  }
  expect(s.server.stats().inFlight).toBe(0);
  expect(s.exp.budget.used).toBe(0);
}

/** Resolves once the server has closed every connection it accepted. */
export async function allClosed(s: Served): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    const c = s.server.stats();
    if (c.connectionsClosed === c.connectionsOpened && c.inFlight === 0) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`connections still open: ${JSON.stringify(s.server.stats())}`);
}

/** A raw client: exact reads from the socket. */
export class RawClient {
  #buf = Buffer.alloc(0);
  #waiter: (() => void) | null = null;
  ended = false;
  constructor(readonly sock: Socket) {
    sock.on('data', (b) => {
      this.#buf = Buffer.concat([this.#buf, b]);
      this.#wake();
    });
    sock.on('close', () => {
      this.ended = true;
      this.#wake();
    });
    sock.on('error', () => undefined); // the close that follows is what the tests watch
  }
  static async connect(path: string): Promise<RawClient> {
    const sock = connect(path);
    await new Promise<void>((res, rej) => sock.once('connect', res).once('error', rej));
    return new RawClient(sock);
  }
  #wake(): void {
    const w = this.#waiter;
    this.#waiter = null;
    w?.();
  }
  async read(n: number): Promise<Buffer> {
    while (this.#buf.length < n) {
      if (this.ended) throw new Error(`connection closed with ${this.#buf.length}/${n} bytes`);
      await new Promise<void>((r) => (this.#waiter = r));
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }
  /** Resolves when the server closed the connection (no more bytes than `maxBytes` arrive first). */
  async closedByServer(): Promise<void> {
    while (!this.ended) await new Promise<void>((r) => (this.#waiter = r));
  }
  write(b: Uint8Array): void {
    this.sock.write(b);
  }
  destroy(): void {
    this.sock.destroy();
  }

  /** Fixed newstyle handshake up to NBD_OPT_GO; returns size and transmission flags. */
  async handshake(opts: { structured?: boolean; name?: string } = {}): Promise<{ size: number; flags: number }> {
    const hello = await this.read(18);
    expect(hello.readBigUInt64BE(0)).toBe(P.NBDMAGIC);
    expect(hello.readBigUInt64BE(8)).toBe(P.IHAVEOPT);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(P.FLAG_C_FIXED_NEWSTYLE | P.FLAG_C_NO_ZEROES);
    this.write(c);
    if (opts.structured) {
      this.option(P.OPT_STRUCTURED_REPLY);
      const r = await this.optReply();
      expect(r.type).toBe(P.REP_ACK);
    }
    const name = Buffer.from(opts.name ?? 'disk');
    const d = Buffer.alloc(4 + name.length + 2);
    d.writeUInt32BE(name.length, 0);
    name.copy(d, 4);
    this.option(P.OPT_GO, d);
    let size = -1, flags = -1;
    for (;;) {
      const r = await this.optReply();
      if (r.type === P.REP_ACK) break;
      expect(r.type).toBe(P.REP_INFO);
      if (r.data.readUInt16BE(0) === P.INFO_EXPORT) {
        size = Number(r.data.readBigUInt64BE(2));
        flags = r.data.readUInt16BE(10);
      }
    }
    return { size, flags };
  }
  option(opt: number, data: Buffer = Buffer.alloc(0)): void {
    const h = Buffer.alloc(16);
    h.writeBigUInt64BE(P.IHAVEOPT, 0);
    h.writeUInt32BE(opt, 8);
    h.writeUInt32BE(data.length, 12);
    this.write(Buffer.concat([h, data]));
  }
  async optReply(): Promise<{ opt: number; type: number; data: Buffer }> {
    const h = await this.read(20);
    expect(h.readBigUInt64BE(0)).toBe(P.OPT_REPLY_MAGIC);
    const len = h.readUInt32BE(16);
    return { opt: h.readUInt32BE(8), type: h.readUInt32BE(12), data: await this.read(len) };
  }
  request(type: number, cookie: number, offset: number, length: number, opts: { flags?: number; payload?: Buffer } = {}): void {
    const h = Buffer.alloc(28);
    h.writeUInt32BE(P.REQUEST_MAGIC, 0);
    h.writeUInt16BE(opts.flags ?? 0, 4);
    h.writeUInt16BE(type, 6);
    h.writeBigUInt64BE(BigInt(cookie), 8);
    h.writeBigUInt64BE(BigInt(offset), 16);
    h.writeUInt32BE(length, 24);
    this.write(opts.payload ? Buffer.concat([h, opts.payload]) : h);
  }
  /** One simple reply; `readLen` bytes of data follow a successful read. */
  async simpleReply(readLen = 0): Promise<{ cookie: number; error: number; data: Buffer }> {
    const h = await this.read(16);
    expect(h.readUInt32BE(0)).toBe(P.SIMPLE_REPLY_MAGIC);
    const error = h.readUInt32BE(4);
    const data = error === 0 && readLen ? Buffer.from(await this.read(readLen)) : Buffer.alloc(0);
    return { cookie: Number(h.readBigUInt64BE(8)), error, data };
  }
  /** One structured chunk. */
  async chunk(): Promise<{ cookie: number; flags: number; type: number; data: Buffer }> {
    const h = await this.read(20);
    expect(h.readUInt32BE(0)).toBe(P.STRUCTURED_REPLY_MAGIC);
    const len = h.readUInt32BE(16);
    return { flags: h.readUInt16BE(4), type: h.readUInt16BE(6), cookie: Number(h.readBigUInt64BE(8)), data: Buffer.from(await this.read(len)) };
  }
}

/** The server still answers a fresh client: write, read back, disconnect. */
export async function stillServes(s: Served): Promise<void> {
  const c = await RawClient.connect(s.socket);
  await c.handshake();
  const data = Buffer.alloc(4096, 0x5a);
  c.request(P.CMD_WRITE, 1, 8192, 4096, { payload: data });
  expect((await c.simpleReply()).error).toBe(0);
  c.request(P.CMD_READ, 2, 8192, 4096);
  const r = await c.simpleReply(4096);
  expect(r.error).toBe(0);
  expect(r.data.equals(data)).toBe(true);
  c.request(P.CMD_DISC, 3, 0, 0);
  await c.closedByServer();
}

// ---- the CLI as a child process --------------------------------------------------------------

export interface Child {
  proc: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves when the process has exited: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM by pid; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL by pid (a crash: no drain, no flush); resolves once it is gone. */
  kill9(): Promise<void>;
}

export async function spawnServer(args: string[], timeoutMs = 45_000): Promise<Child> {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [], stderr: string[] = [];
  proc.stderr!.on('data', (b) => stderr.push(String(b)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no ready line in ${timeoutMs} ms: ${stderr.join('')}`)), timeoutMs);
    proc.stdout!.on('data', (b) => {
      stdout.push(String(b));
      if (stdout.join('').includes('biopath-nbd: ready on ')) {
        clearTimeout(t);
        resolve();
      }
    });
    exited.then(({ code }) => {
      clearTimeout(t);
      reject(new Error(`biopath-nbd exited ${code} before ready: ${stderr.join('')}`));
    });
  });
  const alive = () => proc.exitCode === null && proc.signalCode === null && proc.pid !== undefined;
  return {
    proc, stdout, stderr, exited,
    async stop() {
      if (alive()) process.kill(proc.pid!, 'SIGTERM');
      return (await exited).code;
    },
    async kill9() {
      if (alive()) process.kill(proc.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** Run a client program; rejects with its stderr on failure. */
export function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Stop the child by its pid; it must exit 0 with every pin given back. */
export async function stopCleanly(child: Child): Promise<void> {
  const code = await child.stop();
  const err = child.stderr.join('');
  expect(code, err).toBe(0);
  const m = /biopath-nbd: stopped (\{.*\})/.exec(err);
  expect(m, err).not.toBeNull();
  const st = JSON.parse(m![1]!) as { server: { inFlight: number }; exports: { inFlight: number; pinsAcquired: number; pinsReleased: number }[] };
  expect(st.server.inFlight).toBe(0);
  for (const e of st.exports) {
    expect(e.inFlight).toBe(0);
    expect(e.pinsReleased).toBe(e.pinsAcquired);
  }
}

export function uri(socket: string, name = 'disk'): string {
  return `nbd+unix:///${name}?socket=${socket}`;
}
