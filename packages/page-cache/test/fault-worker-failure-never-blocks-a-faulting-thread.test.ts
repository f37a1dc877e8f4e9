// Whatever happens to the fault worker — an exception while serving a fault, its thread exiting —
// a thread blocked in a fault of the mapping, and every later fault, is answered within a bounded
// time: SIGBUS by default, the zero page with `readError: 'zero'`. Each scenario runs in a child
// process, so neither a SIGBUS nor (on a broken build) a thread blocked for ever can take the test
// runner down; the child is killed after 30 s, which the test reports as a failure.
import { expect, it } from 'vitest';
import { withLoopDevice } from '@biopath/testing';
import { mmapSkipReason, readImage, runMmapChild } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);

it.skipIf(why !== '')('a fault the worker cannot serve (the run frames were destroyed) raises SIGBUS instead of blocking', async () => {
  await withLoopDevice(4 << 20, async (dev, image) => {
    const r = await runMmapChild('frames-destroyed', dev);
    expect(r.timedOut).toBe(false);
    expect(r.lines[0]).toBe(JSON.stringify({ page0: readImage(image, 0, 1)[0] }));
    expect(r.lines).toContain('touching');
    expect(r.signal).toBe('SIGBUS');
  });
});

it.skipIf(why !== '')('when the fault server thread exits, the faulting thread gets SIGBUS instead of blocking', async () => {
  await withLoopDevice(4 << 20, async (dev) => {
    const r = await runMmapChild('server-dies', dev);
    expect(r.timedOut).toBe(false);
    expect(r.lines).toContain('touching');
    expect(r.signal).toBe('SIGBUS');
  });
});

it.skipIf(why !== '')('when the fault server thread exits, with readError zero the toucher reads zeroes, msync reports EIO and nothing is written', async () => {
  await withLoopDevice(4 << 20, async (dev, image) => {
    const before = readImage(image, 0, 64 * 1024);
    const r = await runMmapChild('server-dies-zero', dev);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.lines.at(-1)!)).toEqual({ zeroes: true, msync: 'EIO', nr_written: 0 });
    expect(readImage(image, 0, 64 * 1024).equals(before)).toBe(true);
  });
});
