/**
 * The NBD server over @biopath/blockdev: exports (one shared handle each, so every connection
 * sees every other's completed writes and a flush on one covers all: CAN_MULTI_CONN), listening on
 * a unix socket or TCP, connections served by `serveConnection`, and a graceful `close()`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import type { BlockDeviceHandle } from '@biopath/blockdev';
import { serveConnection, type Connection } from './connection.ts';
import type { TlsConfig } from './tls.ts';
import {
  MAX_PAYLOAD, TF_CAN_MULTI_CONN, TF_HAS_FLAGS, TF_READ_ONLY, TF_SEND_FLUSH, TF_SEND_FUA, TF_SEND_TRIM, TF_SEND_WRITE_ZEROES,
} from './protocol.ts';

/** Bytes of device IO in flight per export: bounce buffers come from the handle's arena. */
export class ByteBudget {
  #used = 0;
  #waiters: { n: number; go: () => void }[] = [];
  constructor(readonly limit: number) {}
  async acquire(n: number): Promise<number> {
    const take = Math.min(n, this.limit);
    if (this.#used + take > this.limit || this.#waiters.length) await new Promise<void>((go) => this.#waiters.push({ n: take, go }));
    else this.#used += take;
    return take;
  }
  release(n: number): void {
    this.#used -= n;
    while (this.#waiters.length && this.#used + this.#waiters[0]!.n <= this.limit) {
      const w = this.#waiters.shift()!;
      this.#used += w.n;
      w.go();
    }
  }
  get used(): number {
    return this.#used;
  }
}

export interface NbdExport {
  name: string;
  handle: BlockDeviceHandle;
  size: number;
  readOnly: boolean;
  canTrim: boolean;
  canWriteZeroes: boolean;
  /** Transmission flags. */
  flags: number;
  minBlock: number;
  prefBlock: number;
  maxBlock: number;
  budget: ByteBudget;
}

/** An export over an open handle: flags and block sizes from the stack's real limits. */
export function makeExport(name: string, handle: BlockDeviceHandle, opts: { budgetBytes?: number } = {}): NbdExport {
  const st = handle.stat();
  const readOnly = st.readOnly;
  const canTrim = !readOnly && st.maxDiscardBytes > 0;
  let flags = TF_HAS_FLAGS | TF_SEND_FLUSH | TF_SEND_FUA | TF_CAN_MULTI_CONN;
  if (readOnly) flags |= TF_READ_ONLY;
  else flags |= TF_SEND_WRITE_ZEROES;
  if (canTrim) flags |= TF_SEND_TRIM;
  const minBlock = st.logicalBlockSize;
  return {
    name, handle, size: st.size, readOnly, canTrim, canWriteZeroes: !readOnly && st.maxWriteZeroesBytes > 0, flags,
    minBlock, prefBlock: Math.max(4096, st.physicalBlockSize, minBlock), maxBlock: MAX_PAYLOAD,
    budget: new ByteBudget(opts.budgetBytes ?? 16 << 20),
  };
}

export interface ServerStats {
  connectionsOpened: number;
  connectionsClosed: number;
  requests: number;
  /** Requests received and not yet answered (or dropped because their client left). */
  inFlight: number;
  /** Replies carrying an error. */
  errorReplies: number;
  /** Connections closed for a protocol violation (bad magic, truncated header, …). */
  protocolErrors: number;
}

export type ListenAddress = { unix: string } | { port: number; host?: string };

export class NbdServer {
  readonly exports = new Map<string, NbdExport>();
  readonly connections = new Set<Connection>();
  readonly counters: ServerStats = { connectionsOpened: 0, connectionsClosed: 0, requests: 0, inFlight: 0, errorReplies: 0, protocolErrors: 0 };
  #net: Server | null = null;
  #unix: string | null = null;
  #closing: Promise<void> | null = null;
  #connDone = new Set<Promise<void>>();

  /** STARTTLS offered (and maybe required) when set. */
  readonly tls: TlsConfig | null;

  constructor(exports: NbdExport[], readonly log: (line: string) => void = () => undefined, opts: { tls?: TlsConfig | null } = {}) {
    this.tls = opts.tls ?? null;
    if (!exports.length) throw new Error('NbdServer: at least one export');
    for (const e of exports) {
      if (this.exports.has(e.name)) throw new Error(`NbdServer: export ${e.name} given twice`);
      this.exports.set(e.name, e);
    }
  }

  /** The export a client names; '' is the default (first) export. */
  lookup(name: string): NbdExport | undefined {
    return this.exports.get(name) ?? (name === '' ? this.exports.values().next().value : undefined);
  }

  get closing(): boolean {
    return this.#closing !== null;
  }

  stats(): ServerStats {
    return { ...this.counters };
  }

  /** Start listening; resolves with a printable address once the socket accepts. */
  listen(addr: ListenAddress): Promise<string> {
    const net = createServer((sock) => this.#accept(sock));
    this.#net = net;
    return new Promise((resolve, reject) => {
      net.once('error', reject);
      const ready = () => {
        net.off('error', reject);
        net.on('error', (e) => this.log(`biopath-nbd: listen error: ${e.message}`));
        if ('unix' in addr) resolve(`unix:${addr.unix}`);
        else {
          const a = net.address();
          resolve(typeof a === 'object' && a ? `nbd://${a.address}:${a.port}` : String(a));
        }
      };
      if ('unix' in addr) {
        rmSync(addr.unix, { force: true });
        this.#unix = addr.unix;
        net.listen(addr.unix, ready);
      } else net.listen(addr.port, addr.host ?? '127.0.0.1', ready);
    });
  }

  #accept(sock: Socket): void {
    if (this.#closing) {
      sock.destroy();
      return;
    }
    sock.setNoDelay?.(true);
    this.counters.connectionsOpened++;
    const done = serveConnection(this, sock).finally(() => {
      this.counters.connectionsClosed++;
      this.#connDone.delete(done);
    });
    this.#connDone.add(done);
  }

  /**
   * Stop accepting, let every connection finish what it received (replies sent), close them,
   * flush every writable export and close every handle. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const net = this.#net;
    const stopped = net ? new Promise<void>((r) => net.close(() => r())) : Promise.resolve();
    for (const c of this.connections) c.drain();
    while (this.#connDone.size) await Promise.allSettled([...this.#connDone]);
    await stopped;
    if (this.#unix) rmSync(this.#unix, { force: true });
    let first: unknown = null;
    for (const e of this.exports.values()) {
      try {
        if (!e.readOnly && !e.handle.closed) await e.handle.flush();
      } catch (err) {
        first ??= err;
      }
      try {
        if (!e.handle.closed) await e.handle.close();
      } catch (err) {
        first ??= err;
      }
    }
    if (first) throw first;
  }
}
