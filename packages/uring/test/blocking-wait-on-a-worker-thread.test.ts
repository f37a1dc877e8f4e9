// The blocking wait can live on a worker thread: the worker sleeps in io_uring_enter while the
// main thread's event loop keeps running, and the bytes it reads are the device's.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { probe, withLoopDevice } from '@biopath/testing';
import { readWitness } from './helpers.ts';

const loop = probe.loop();

it.skipIf(!loop.ok)('a worker does blocking reads while the main event loop keeps ticking', async () => {
  const N = 256;
  await withLoopDevice(N * 4096, async (dev, image) => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      // Resolve once the worker has exited: its event loop's own fds (an eventfd) close only then.
      const bytes = await new Promise<Uint8Array>((resolve, reject) => {
        const w = new Worker(fileURLToPath(new URL('./fixtures/ring-worker.mjs', import.meta.url)), {
          workerData: { dev, n: N },
        });
        let got: Uint8Array | undefined;
        w.once('message', (m: Uint8Array) => (got = m));
        w.once('error', reject);
        w.once('exit', (code) => (code === 0 && got ? resolve(got) : reject(new Error(`worker exited ${code}${got ? '' : ' without its bytes'}`))));
      });
      expect(Buffer.from(bytes).equals(readWitness(image, 0, N * 4096))).toBe(true);
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });
});
