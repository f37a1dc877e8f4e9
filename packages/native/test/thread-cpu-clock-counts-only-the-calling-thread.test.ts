// threadCpuTimeNs is CLOCK_THREAD_CPUTIME_ID: the CPU of the calling thread alone. A worker that
// spins while this thread sleeps in Atomics.wait must not move this thread's clock by what it
// spent, and must see its own clock move by at least the loop it ran.
import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { threadCpuTimeNs } from '../src/index.ts';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { threadCpuTimeNs } = require(workerData.binding);
const flag = new Int32Array(workerData.sab);
Atomics.store(flag, 0, 1); Atomics.notify(flag, 0);
const c0 = threadCpuTimeNs();
let x = 0; for (let i = 0; i < 3e7; i++) x = (x * 31 + i) | 0; // CPU work only
const spent = threadCpuTimeNs() - c0;
Atomics.store(flag, 0, 2); Atomics.notify(flag, 0);
parentPort.postMessage({ spent, x });
`;

it('rises with the work of the calling thread and not with another thread\'s', async () => {
  const a = threadCpuTimeNs();
  let x = 0;
  for (let i = 0; i < 1e6; i++) x = (x * 31 + i) | 0;
  const b = threadCpuTimeNs();
  expect(x).not.toBeNaN();
  expect(b).toBeGreaterThan(a);
  const sab = new SharedArrayBuffer(4), flag = new Int32Array(sab);
  const w = new Worker(WORKER, { eval: true, workerData: { sab, binding: new URL('../binding.cjs', import.meta.url).pathname } });
  try {
    Atomics.wait(flag, 0, 0); // the worker has started its loop
    const c0 = threadCpuTimeNs();
    Atomics.wait(flag, 0, 1); // asleep until the worker's loop is done
    const mine = threadCpuTimeNs() - c0;
    const { spent } = await new Promise<{ spent: number }>((resolve, reject) => w.once('message', resolve).once('error', reject));
    expect(spent).toBeGreaterThan(0);
    expect(mine).toBeLessThan(spent);
  } finally {
    await w.terminate();
  }
});
