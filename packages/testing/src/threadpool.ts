/**
 * Prove that something does not use libuv's threadpool: run it while every threadpool thread is
 * blocked in a read(2) of an empty FIFO. Work queued to the pool meanwhile (fs calls, dns.lookup,
 * napi async work such as a poll on a worker) cannot start until the reads are released, so `fn`
 * can only settle if it never waits on the pool. Structural, not timing: a threadpool wait makes
 * `fn` hang (the test times out) instead of finishing a little later.
 */
import { execFileSync } from 'node:child_process';
import { access, closeSync, constants, mkdtempSync, openSync, read, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** libuv's threadpool size for this process (UV_THREADPOOL_SIZE, default 4, at most 1024). */
export function threadpoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/** What {@link withThreadpoolBlocked} observed. */
export interface ThreadpoolBlocked<T> {
  result: T;
  /** Threadpool threads blocked on the FIFO. */
  blocked: number;
  /**
   * Whether a sentinel threadpool job (an fs.access queued right behind the blocking reads) had
   * run by the time `fn` settled. False proves the pool really was blocked throughout `fn`; true
   * means the pool is larger than {@link threadpoolSize} thought, and the proof is void.
   */
  sentinelRan: boolean;
}

/**
 * Occupy every threadpool thread with a blocking FIFO read, run `fn`, then release the threads,
 * wait for their reads to finish and remove the FIFO (also when `fn` throws). Resolves to `fn`'s
 * result, the number of threads blocked, and whether the sentinel job got through.
 */
export async function withThreadpoolBlocked<T>(fn: () => Promise<T>): Promise<ThreadpoolBlocked<T>> {
  const dir = mkdtempSync(join(tmpdir(), 'biopath-fifo-'));
  const path = join(dir, 'fifo');
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDWR); // O_RDWR: opening a FIFO this way never blocks; reads do
  const n = threadpoolSize();
  const reads = Array.from({ length: n }, () => new Promise<void>((resolve) => {
    read(fd, Buffer.alloc(1), 0, 1, null, () => resolve());
  }));
  let sentinelRan = false;
  const sentinel = new Promise<void>((resolve) => access(dir, () => {
    sentinelRan = true;
    resolve();
  }));
  try {
    const result = await fn();
    return { result, blocked: n, sentinelRan };
  } finally {
    writeSync(fd, Buffer.alloc(n)); // one byte per blocked read
    await Promise.all([...reads, sentinel]);
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
