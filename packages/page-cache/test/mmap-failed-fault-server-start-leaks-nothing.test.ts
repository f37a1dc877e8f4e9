// A fault server that cannot start makes mmap reject with a coded error naming the argument, and
// leaves nothing behind: no arena region (the view, the worker's own MemMap), no userfaultfd, no
// thread. The leak gate checks it after each test.
import { expect, it } from 'vitest';
import { mmap } from '@biopath/page-cache';
import { mmapSkipReason, withCacheStack } from './helpers.ts';

const why = mmapSkipReason();
if (why) console.log(`skipping: ${why}`);

const fixture = new URL('./fixtures/fault-device.ts', import.meta.url).href;

it.skipIf(why !== '')('a fault server module that does not exist is refused with ENOENT and leaks nothing, however often it is tried', async () => {
  await withCacheStack(1 << 20, async (s) => {
    for (const module of ['file:///nonexistent/x.mts', 'biopath-no-such-fault-module']) {
      for (let i = 0; i < 3; i++) {
        await expect(mmap(s.as, 0, 16384, { faultServer: { module } }))
          .rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('mmap(opts.faultServer.module)') });
      }
    }
    expect(s.as.runs.length).toBe(0);
  });
});

it.skipIf(why !== '')('a fault server that fails to open its device, or exports no openFaultDevice, is refused with a coded error and leaks nothing', async () => {
  await withCacheStack(1 << 20, async (s) => {
    const noDevice = mmap(s.as, 0, 16384, { faultServer: { module: fixture, options: { path: '/nonexistent/dev' } } });
    await expect(noDevice).rejects.toMatchObject({ code: 'ENOENT', message: expect.stringContaining('mmap(opts.faultServer.module)') });
    const noExport = mmap(s.as, 0, 16384, { faultServer: { module: 'data:text/javascript,export const x = 1;' } });
    await expect(noExport).rejects.toMatchObject({ code: 'EINVAL', message: expect.stringContaining('openFaultDevice') });
    await expect(mmap(s.as, 0, 16384, { faultServer: { module: 42 as unknown as string } })).rejects.toMatchObject({ code: 'EINVAL' });
    expect(s.as.runs.length).toBe(0);
  });
});
