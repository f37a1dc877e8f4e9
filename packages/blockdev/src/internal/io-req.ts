/**
 * One caller request on its way through the stack: a pooled object of fixed shape (a kiocb, an
 * iterator and its KVEC, the caller's buffer, the bounce buffer if any, how to settle the caller's
 * promise). Vectored calls share an `IoGroup` that settles once, when its last request is done.
 */
import { Kiocb } from '@biopath/block';
import { createIovIter } from '@biopath/iov-iter';
import type { IovIter, Kvec } from '@biopath/iov-iter';
import type { ArenaBuf } from './buffers.ts';
import type { BiopathError } from './native.ts';

export const OP_READ = 0;
export const OP_WRITE = 1;
export const OP_FLUSH = 2;
export const OP_DISCARD = 3;
export const OP_WRITE_ZEROES = 4;

export const OP_NAMES = ['read', 'write', 'flush', 'discard', 'writeZeroes'] as const;

/** The promise of a vectored call: settles when `left` reaches 0, rejecting with the first error. */
export interface IoGroup {
  left: number;
  err: BiopathError | null;
  bytes: number;
  results: Uint8Array[] | null;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class IoReq {
  readonly kiocb = new Kiocb();
  readonly iter: IovIter = createIovIter();
  readonly kvec: Kvec[] = [{ iov_base: 0, iov_len: 0 }];
  op = OP_READ;
  offset = 0;
  length = 0;
  fua = false;
  /** The caller's buffer (read destination / write source); null for a read(offset, length) into a new one. */
  buf: Uint8Array | null = null;
  /** The arena buffer the IO really uses when the caller's is not arena-backed. */
  bounce: ArenaBuf | null = null;
  /** User (pin/get) or kernel (list) address of the IO's first byte. */
  addr = 0;
  /** Result: bytes or a negative errno. */
  res = 0;
  /** Bios still in flight (flush/discard/write-zeroes may take several). */
  bios = 0;
  /** Index in a vectored call's results. */
  index = 0;
  group: IoGroup | null = null;
  resolve: ((v: unknown) => void) | null = null;
  reject: ((e: unknown) => void) | null = null;
  next: IoReq | null = null;

  constructor() {
    this.kiocb.ki_data = this;
  }
}
