// The blocking wait can live on a worker thread: the worker sleeps in io_uring_enter while the
// main thread's event loop keeps running, and the bytes it reads are the device's. The main
// thread's timer counts only the ticks it saw while the worker was inside a blocking wait (a
// shared flag the worker raises around submitAndWait), and the worker keeps waiting until it has
// seen several: a main thread that stalled during the waits would count none.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { probe, withLoopDevice } from '@biopath/testing';
import { readWitness } from './helpers.ts';

const loop = probe.loop();

const MIN_TICKS = 5;

it.skipIf(!loop.ok)('a worker does blocking reads while the main event loop keeps ticking', async () => {
  const N = 256;
  await withLoopDevice(N * 4096, async (dev, image) => {
    const state = new Int32Array(new SharedArrayBuffer(8)); // [0] worker in a wait (1) / done (2), [1] main ticks seen meanwhile
    const timer = setInterval(() => {
      if (Atomics.load(state, 0) === 1) Atomics.add(state, 1, 1);
    }, 1);
    try {
      const bytes = await new Promise<Uint8Array>((resolve, reject) => {
        const w = new Worker(fileURLToPath(new URL('./fixtures/ring-worker.mjs', import.meta.url)), {
          workerData: { dev, n: N, state, minTicks: MIN_TICKS, maxRounds: 200 },
        });
        // Resolve once the worker has exited: its event loop's own fds (an eventfd) close only then.
        let got: Uint8Array | undefined;
        w.once('message', (m: Uint8Array) => (got = m));
        w.once('error', reject);
        w.once('exit', (code) => (code === 0 && got ? resolve(got) : reject(new Error(`worker exited ${code}${got ? '' : ' without its bytes'}`))));
      });
      expect(Buffer.from(bytes).equals(readWitness(image, 0, N * 4096))).toBe(true);
      expect(Atomics.load(state, 1), 'main-thread timer ticks while the worker was blocked').toBeGreaterThanOrEqual(MIN_TICKS);
    } finally {
      clearInterval(timer);
    }
  });
});
