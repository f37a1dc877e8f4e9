/**
 * A write-and-flush client that remembers what the server acknowledged, and the check that runs
 * after a crash: a write acknowledged before an acknowledged FLUSH was sent, or acknowledged with
 * FUA, must read back (or be overwritten by a write that was not known to precede it).
 *
 * Every event (a request sent, a reply received) gets the next tick of one logical clock, so "w was
 * acknowledged before f was sent" is `w.ackedAt < f.sentAt`. Replies arrive out of order and are
 * matched by cookie.
 */
import { expect } from 'vitest';
import * as P from '../src/protocol.ts';
import type { RawClient } from './helpers.ts';

export const BLOCK = 4096;

export interface WriteRec {
  id: number;
  block: number;
  fua: boolean;
  sentAt: number;
  /** Tick of the successful reply; null while unanswered (or answered after the log stopped). */
  ackedAt: number | null;
  data: Buffer;
}

interface FlushRec {
  sentAt: number;
  ackedAt: number | null;
}

/** Deterministic block contents for write `id`: no two writes look alike, none looks like zeroes. */
export function pattern(id: number): Buffer {
  const b = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i += 4) b.writeUInt32LE((Math.imul(id + 1, 0x9e3779b1) + i * 0x85ebca6b) >>> 0, i);
  return b;
}

export class AckLog {
  readonly writes: WriteRec[] = [];
  readonly flushes: FlushRec[] = [];
  #clock = 0;
  #pending = new Map<number, { w?: WriteRec; f?: FlushRec }>();
  #stopped = false;
  #cookie = 1;
  errors = 0;

  /** `base` and `blocks`: the region (in 4 KiB blocks) this client writes. */
  constructor(readonly c: RawClient, readonly base: number, readonly blocks: number) {}

  get outstanding(): number {
    return this.#pending.size;
  }

  write(block: number, fua: boolean): void {
    const id = this.writes.length;
    const w: WriteRec = { id, block, fua, sentAt: ++this.#clock, ackedAt: null, data: pattern(id) };
    this.writes.push(w);
    const cookie = this.#cookie++;
    this.#pending.set(cookie, { w });
    this.c.request(P.CMD_WRITE, cookie, (this.base + block) * BLOCK, BLOCK, { flags: fua ? P.CMD_FLAG_FUA : 0, payload: w.data });
  }

  flush(): void {
    const f: FlushRec = { sentAt: ++this.#clock, ackedAt: null };
    this.flushes.push(f);
    const cookie = this.#cookie++;
    this.#pending.set(cookie, { f });
    this.c.request(P.CMD_FLUSH, cookie, 0, 0);
  }

  /** Read one reply and log it; returns what it answered. */
  async reply(): Promise<'write' | 'flush'> {
    const r = await this.c.simpleReply();
    const p = this.#pending.get(r.cookie);
    expect(p, `reply for unknown cookie ${r.cookie}`).toBeDefined();
    this.#pending.delete(r.cookie);
    if (r.error !== 0) this.errors++;
    else if (!this.#stopped) (p!.w ?? p!.f)!.ackedAt = ++this.#clock;
    return p!.w ? 'write' : 'flush';
  }

  /** From now on replies are not counted as acknowledgements (the server is about to die). */
  stop(): void {
    this.#stopped = true;
  }

  /** Writes that must have survived: FUA and acknowledged, or acknowledged before an acknowledged flush was sent. */
  durable(): WriteRec[] {
    let lastFlushSent = -1;
    for (const f of this.flushes) if (f.ackedAt !== null) lastFlushSent = Math.max(lastFlushSent, f.sentAt);
    return this.writes.filter((w) => w.ackedAt !== null && (w.fua || w.ackedAt < lastFlushSent));
  }

  /**
   * Check `region` (this client's blocks as read back after the restart). A block may hold any
   * write to it that no durable write is known to have superseded (acknowledged before the durable
   * one was sent); zeroes only if no write to it was durable. Returns counts for the log.
   */
  check(region: Buffer): { durable: number; blocksChecked: number; lostUnflushed: number } {
    const durable = this.durable();
    const byBlock = new Map<number, WriteRec[]>();
    for (const w of this.writes) byBlock.set(w.block, [...(byBlock.get(w.block) ?? []), w]);
    let lostUnflushed = 0;
    for (const [block, ws] of byBlock) {
      const got = region.subarray(block * BLOCK, (block + 1) * BLOCK);
      const req = durable.filter((w) => w.block === block);
      const ok = ws.filter((w) => !req.some((r) => w !== r && w.ackedAt !== null && w.ackedAt < r.sentAt));
      const holds = ws.find((w) => w.data.equals(got));
      const zero = got.every((b) => b === 0);
      if (req.length) {
        expect(holds && ok.includes(holds), `block ${block}: holds ${holds ? `write ${holds.id}` : zero ? 'zeroes' : 'unknown bytes'}; durable writes ${req.map((w) => w.id).join(',')} (acceptable ${ok.map((w) => w.id).join(',')})`).toBe(true);
      } else {
        expect(zero || holds !== undefined, `block ${block}: holds bytes no write put there`).toBe(true);
      }
      if (got.equals(ws[ws.length - 1]!.data) === false) lostUnflushed++;
    }
    for (let b = 0; b < this.blocks; b++) {
      if (!byBlock.has(b)) expect(region.subarray(b * BLOCK, (b + 1) * BLOCK).every((x) => x === 0), `block ${b} was never written`).toBe(true);
    }
    return { durable: durable.length, blocksChecked: byBlock.size, lostUnflushed };
  }
}
