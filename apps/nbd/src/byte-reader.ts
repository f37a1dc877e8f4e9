/**
 * Exact-length reads from a socket: `read(n)` resolves with n bytes once they arrived, `skip(n)`
 * drops n bytes without keeping them. When the peer closes (or the socket errors) every pending
 * and later call rejects with `ECONNRESET`-style `ReaderClosed`. The socket is paused while more
 * than `highWater` bytes wait unread, so a fast client cannot fill the server's memory.
 */
import type { Socket } from 'node:net';

export class ReaderClosed extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'ReaderClosed';
  }
}

export class ByteReader {
  #chunks: Buffer[] = [];
  #queued = 0;
  #want: { n: number; skip: boolean; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null = null;
  #closed: Error | null = null;
  #paused = false;

  readonly #onData = (b: Buffer): void => {
    this.#chunks.push(b);
    this.#queued += b.length;
    this.#serve();
  };
  readonly #onEnd = (): void => this.close('peer closed the connection');
  readonly #onClose = (): void => this.close('connection closed');
  readonly #onError = (e: Error): void => this.close(`socket error: ${e.message}`);

  constructor(readonly socket: Socket, readonly highWater = 8 << 20) {
    socket.on('data', this.#onData).on('end', this.#onEnd).on('close', this.#onClose).on('error', this.#onError);
  }

  /**
   * Stop listening to the socket (another reader, e.g. over TLS on top of it, takes over).
   * Returns how many received bytes were still unread (they are dropped).
   */
  detach(): number {
    this.socket.off('data', this.#onData).off('end', this.#onEnd).off('close', this.#onClose).off('error', this.#onError);
    const left = this.#queued;
    this.#chunks = [];
    this.#queued = 0;
    if (this.#paused) this.socket.resume();
    this.#paused = false;
    return left;
  }

  get closed(): boolean {
    return this.#closed !== null;
  }

  close(why: string): void {
    if (this.#closed) return;
    this.#closed = new ReaderClosed(why);
    this.#chunks = [];
    this.#queued = 0;
    const w = this.#want;
    this.#want = null;
    w?.reject(this.#closed);
  }

  read(n: number): Promise<Buffer> {
    return this.#take(n, false);
  }

  async skip(n: number): Promise<void> {
    await this.#take(n, true);
  }

  #take(n: number, skip: boolean): Promise<Buffer> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#want) return Promise.reject(new Error('ByteReader: one read at a time'));
    return new Promise((resolve, reject) => {
      this.#want = { n, skip, resolve, reject };
      this.#serve();
    });
  }

  #serve(): void {
    const w = this.#want;
    if (!w) return this.#flow();
    if (w.skip) {
      while (w.n > 0 && this.#chunks.length) {
        const c = this.#chunks[0]!;
        const k = Math.min(c.length, w.n);
        w.n -= k;
        this.#queued -= k;
        if (k === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(k);
      }
      if (w.n === 0) this.#done(Buffer.alloc(0));
    } else if (this.#queued >= w.n) {
      const out = Buffer.allocUnsafe(w.n);
      let at = 0;
      while (at < w.n) {
        const c = this.#chunks[0]!;
        const k = Math.min(c.length, w.n - at);
        c.copy(out, at, 0, k);
        at += k;
        if (k === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(k);
      }
      this.#queued -= w.n;
      this.#done(out);
    }
    this.#flow();
  }

  /** Pause while more than highWater bytes wait and no pending read needs them. */
  #flow(): void {
    const w = this.#want;
    const need = w ? (w.skip ? Infinity : w.n) : 0;
    const pause = this.#queued > Math.max(this.highWater, need);
    if (pause !== this.#paused) {
      this.#paused = pause;
      if (pause) this.socket.pause();
      else this.socket.resume();
    }
  }

  #done(b: Buffer): void {
    const w = this.#want!;
    this.#want = null;
    w.resolve(b);
  }
}
