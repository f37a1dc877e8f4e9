// A worker thread attached as a UserfaultfdPeer resolves MINOR faults that the JS thread itself
// raises (the handler defers them): the JS thread blocks in the fault, the worker fills the page
// and CONTINUEs it, the JS thread resumes with the worker's data. With CONTINUE_MODE_WP the page is
// mapped write-protected, so the first write is seen as a WP fault. No deadlock.
import { afterEach, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import {
  arenaAliasRange, arenaCreate, arenaFree, uffdProbe, Userfaultfd, UserfaultfdPeer, UFFDIO_REGISTER_MODE_MINOR,
  UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_WP, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_WP_HUGETLBFS_SHMEM, UFFD_PAGEFAULT_FLAG_WP,
} from '@biopath/native';
import { probe } from '@biopath/testing';

const ok = probe.userfaultfd();
if (!ok.ok) console.log(`skipping userfaultfd peer tests: ${ok.reason}`);
const offered = ok.ok ? uffdProbe().features : 0;
const minorOk = (offered & UFFD_FEATURE_MINOR_SHMEM) !== 0;
if (ok.ok && !minorOk) console.log('skipping userfaultfd peer tests: no UFFD_FEATURE_MINOR_SHMEM');
const PAGES = 8;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(wp: boolean) {
  const src = arenaCreate(PAGES * 4096);
  const pattern = arenaCreate(PAGES * 4096);
  cleanups.push(() => arenaFree(pattern.id), () => arenaFree(src.id));
  new Uint8Array(src.buffer).fill(0); // populate the memfd pages, so faults on the view are MINOR
  const pv = new Uint8Array(pattern.buffer);
  for (let p = 0; p < PAGES; p++) pv.fill(0x40 + p, p * 4096, (p + 1) * 4096);
  const view = arenaAliasRange(src.id, 0, PAGES * 4096);
  cleanups.push(() => arenaFree(view.id));
  const u = new Userfaultfd();
  u.register(view.iova, PAGES * 4096, UFFDIO_REGISTER_MODE_MINOR | (wp ? UFFDIO_REGISTER_MODE_WP : 0));
  u.setResolver(view.iova, PAGES * 4096, 'defer');
  const w = new Worker(new URL('./fixtures/uffd-peer-worker.mjs', import.meta.url), {
    workerData: { uffdId: u.id, viewIova: view.iova, srcIova: src.iova, patternIova: pattern.iova, wp },
  });
  const done = new Promise<{ served: number }>((resolve, reject) => {
    w.on('message', (m) => { if (typeof m === 'object') resolve(m as { served: number }); });
    w.on('error', reject);
  });
  await once(w, 'message');
  let closed = false;
  const close = async () => {
    if (closed) return { served: -1 };
    closed = true;
    u.close();
    const r = await done;
    await once(w, 'exit');
    return r;
  };
  cleanups.push(async () => { await close(); });
  return { u, view, close };
}

describe.skipIf(!ok.ok || !minorOk)('UserfaultfdPeer', () => {
  it('serves MINOR faults of the JS thread from a worker, which fills the page first', async () => {
    const { u, view, close } = await setup(false);
    const v = new Uint8Array(view.buffer);
    expect([v[0], v[3 * 4096 + 9], v[7 * 4096 + 4095]]).toEqual([0x40, 0x43, 0x47]);
    expect(u.stats().deferred).toBe(3);
    expect((await close()).served).toBe(3);
  });

  it('CONTINUE_MODE_WP maps pages write-protected: the first write is a WP fault', async () => {
    const wpOk = (offered & UFFD_FEATURE_WP_HUGETLBFS_SHMEM) !== 0;
    if (!wpOk) return void console.log('skipped: no UFFD_FEATURE_WP_HUGETLBFS_SHMEM');
    const { u, view, close } = await setup(true);
    const v = new Uint8Array(view.buffer);
    expect(v[2 * 4096]).toBe(0x42);
    v[2 * 4096] = 1;
    expect(v[2 * 4096]).toBe(1);
    expect(u.stats().wp).toBe(1);
    const wpEvents = u.drainEvents().filter((e) => (e.flags & UFFD_PAGEFAULT_FLAG_WP) !== 0);
    expect(wpEvents.map((e) => e.iova)).toEqual([view.iova + 2 * 4096]);
    await close();
  });

  it('serves MISSING faults of the JS thread by UFFDIO_COPY from a worker', async () => {
    const dst = arenaCreate(PAGES * 4096);
    const pattern = arenaCreate(PAGES * 4096);
    cleanups.push(() => arenaFree(pattern.id), () => arenaFree(dst.id));
    const pv = new Uint8Array(pattern.buffer);
    for (let p = 0; p < PAGES; p++) pv.fill(0x60 + p, p * 4096, (p + 1) * 4096);
    const u = new Userfaultfd();
    u.register(dst.iova, PAGES * 4096, UFFDIO_REGISTER_MODE_MISSING);
    const w = new Worker(new URL('./fixtures/uffd-peer-worker.mjs', import.meta.url), {
      workerData: { uffdId: u.id, viewIova: dst.iova, srcIova: 0, patternIova: pattern.iova, wp: false, copy: true },
    });
    const done = new Promise<{ served: number }>((resolve) => w.on('message', (m) => { if (typeof m === 'object') resolve(m); }));
    await once(w, 'message');
    const v = new Uint8Array(dst.buffer);
    expect([v[4096 + 1], v[6 * 4096]]).toEqual([0x61, 0x66]);
    u.close();
    expect((await done).served).toBe(2);
    await once(w, 'exit');
  });

  it('attaching to a closed or unknown userfaultfd fails with ENOENT; waits end with null on close', async () => {
    const u = new Userfaultfd();
    const id = u.id;
    const peer = new UserfaultfdPeer(id);
    expect(peer.waitDeferred(1)).toEqual([]);
    u.close();
    expect(peer.waitDeferred(1000)).toBeNull();
    expect(() => peer.continue(0, 4096)).toThrow(expect.objectContaining({ code: 'EBADFD' }));
    peer.close();
    expect(() => new UserfaultfdPeer(id)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });
});
