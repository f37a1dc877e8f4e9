/**
 * What write buffers hold (jobs without verify): fio fills them with random data once per job, or
 * with `buffer_pattern` repeated; `refill_buffers` writes fresh random data before every write.
 * The fill happens once at job start (engines whose `buf` is a staging copy get it pushed to where
 * the IO reads it); the refill writes in place and allocates nothing.
 * @fio io_u.c fill_io_buffer(), lib/pattern.c
 */
import { randomFillSync } from 'node:crypto';
import type { AnyIoEngine } from '../engine/engine.ts';
import type { IoU } from '../engine/io-unit.ts';
import type { JobOptions } from '../options/table.ts';

/** Fill `buf` with `pattern` repeated from its first byte. */
export function fillPattern(buf: Uint8Array, pattern: Uint8Array): void {
  if (pattern.length === 0) return;
  buf.set(pattern.subarray(0, Math.min(pattern.length, buf.length)));
  for (let n = pattern.length; n < buf.length; n *= 2) buf.copyWithin(n, 0, Math.min(n, buf.length - n));
}

/** Fill every unit's buffer for writing; returns the per-write refill (refill_buffers) or null. */
export function fillBuffers(job: Pick<JobOptions, 'buffer_pattern' | 'refill_buffers'>, engine: AnyIoEngine, d: unknown, units: IoU[]): ((io: IoU) => void) | null {
  const sync = engine.syncToDevice;
  for (const io of units) {
    if (job.buffer_pattern) fillPattern(io.buf, job.buffer_pattern.bytes);
    else randomFillSync(io.buf);
    if (sync) {
      io.buflen = io.buf.length;
      sync.call(engine, d, io);
    }
  }
  if (!job.refill_buffers) return null;
  return (io) => {
    randomFillSync(io.buf, 0, io.buflen);
    sync?.call(engine, d, io);
  };
}
