// A frame resolver serves faults from per-page state words shared with JS: a fault on a page
// whose word says it is servable is resolved by the native handler thread alone (CONTINUE on a
// memfd alias; COPY for a private view), a read fault maps its servable neighbours in the aligned
// fault-around window (write-protected when asked), a write fault sets the dirty bit first, and
// every other fault is deferred to the attached peer (a worker that fills the page first).
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  arenaAliasRange, arenaCreate, arenaFree, uffdProbe, Userfaultfd, UFFDIO_REGISTER_MODE_MINOR, UFFDIO_REGISTER_MODE_MISSING,
  UFFDIO_REGISTER_MODE_WP, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_WP_HUGETLBFS_SHMEM, type UffdFrameRule,
} from '@biopath/native';
import { probe } from '@biopath/testing';
import { binding } from '../src/binding.ts';

const ok = probe.userfaultfd();
if (!ok.ok) console.log(`skipping frame resolver tests: ${ok.reason}`);
const offered = ok.ok ? uffdProbe().features : 0;
const minorOk = (offered & UFFD_FEATURE_MINOR_SHMEM) !== 0;
const wpOk = (offered & UFFD_FEATURE_WP_HUGETLBFS_SHMEM) !== 0;
if (ok.ok && !minorOk) console.log('skipping frame resolver tests: no UFFD_FEATURE_MINOR_SHMEM');
const PAGES = 8;
const LEN = PAGES * 4096;
const UPTODATE = 2;
const DIRTY = 4;
const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const words = (): Int32Array => new Int32Array(new SharedArrayBuffer(PAGES * 4));
const rule = (state: Int32Array, over: Partial<UffdFrameRule> = {}): UffdFrameRule =>
  ({ state, mask: 3, value: UPTODATE, dirty: DIRTY, writeProtectReads: wpOk, faultAround: 4, ...over });

/** Backing frames with byte 0x10 + page in every page, a view aliasing them, a userfaultfd on the view. */
function shared() {
  const src = arenaCreate(LEN);
  const pattern = arenaCreate(LEN);
  cleanups.push(() => arenaFree(pattern.id), () => arenaFree(src.id));
  const sv = new Uint8Array(src.buffer);
  for (let p = 0; p < PAGES; p++) sv.fill(0x10 + p, p * 4096, (p + 1) * 4096);
  const view = arenaAliasRange(src.id, 0, LEN);
  cleanups.push(() => arenaFree(view.id));
  const u = new Userfaultfd();
  cleanups.push(() => u.close());
  u.register(view.iova, LEN, UFFDIO_REGISTER_MODE_MINOR | (wpOk ? UFFDIO_REGISTER_MODE_WP : 0));
  return { src, pattern, view, u, v: new Uint8Array(view.buffer) };
}

/** The peer fixture: fills a deferred page with 0x40 + page and CONTINUEs it. */
async function attachPeer(u: Userfaultfd, viewIova: number, srcIova: number, patternIova: number) {
  const w = new Worker(new URL('./fixtures/uffd-peer-worker.mjs', import.meta.url), {
    workerData: { uffdId: u.id, viewIova, srcIova, patternIova, wp: false },
  });
  const done = new Promise<{ served: number }>((resolve, reject) => {
    w.on('message', (m) => { if (typeof m === 'object') resolve(m as { served: number }); });
    w.on('error', reject);
  });
  await once(w, 'message');
  let stopped: Promise<number> | null = null;
  const stop = (): Promise<number> => (stopped ??= (async () => {
    const exited = once(w, 'exit');
    u.close();
    const r = await done;
    await exited;
    return r.served;
  })());
  cleanups.push(async () => void await stop());
  return stop;
}

describe.skipIf(!ok.ok || !minorOk)('a frame resolver', () => {
  it('maps a servable page and its servable neighbours itself, and defers the rest to the peer', async () => {
    const { src, pattern, view, u, v } = shared();
    const state = words();
    for (let p = 0; p < 4; p++) state[p] = UPTODATE;
    state[2] |= DIRTY << 1; // bits outside the mask do not matter
    new Uint8Array(pattern.buffer).forEach((_, i, a) => void (a[i] = 0x40 + Math.floor(i / 4096)));
    u.setFrameResolver(view.iova, LEN, rule(state));
    const stop = await attachPeer(u, view.iova, src.iova, pattern.iova);
    expect(v[4096 + 7]).toBe(0x11);
    expect(u.stats()).toMatchObject({ minor: 1, deferred: 0 });
    expect([v[0], v[2 * 4096], v[3 * 4096 + 4095]]).toEqual([0x10, 0x12, 0x13]);
    expect(u.stats().minor).toBe(1);
    expect(v[5 * 4096]).toBe(0x45);
    // The handler serves faults in order: by now it has counted what it mapped around page 1.
    expect(u.stats()).toMatchObject({ minor: 1, around: 3, deferred: 1 });
    expect(u.drainEvents().map((e) => e.resolvedBy)).toEqual([2, -1]);
    expect(await stop()).toBe(1);
  });

  it('a write fault sets the dirty bit and maps the page writable; a read fault maps it write-protected', async () => {
    const { view, u, v } = shared();
    const state = words();
    state[1] = UPTODATE;
    state[6] = UPTODATE;
    u.setFrameResolver(view.iova, LEN, rule(state, { faultAround: 1 }));
    v[6 * 4096 + 1] = 7;
    expect(state[6]).toBe(UPTODATE | DIRTY);
    v[6 * 4096 + 2] = 8;
    expect(u.stats()).toMatchObject({ minor: 1, wp: 0 });
    expect(v[4096]).toBe(0x11);
    expect(state[1]).toBe(UPTODATE);
    v[4096] = 9;
    expect(u.stats()).toMatchObject({ minor: 2, wp: wpOk ? 1 : 0 });
    expect(u.stats().around).toBe(0);
  });

  it('serves a private view by copying the backing page', () => {
    const back = arenaCreate(LEN);
    const dst = arenaCreate(LEN);
    cleanups.push(() => arenaFree(dst.id), () => arenaFree(back.id));
    new Uint8Array(back.buffer).fill(0x5a, 3 * 4096, 4 * 4096);
    const u = new Userfaultfd();
    cleanups.push(() => u.close());
    u.register(dst.iova, LEN, UFFDIO_REGISTER_MODE_MISSING);
    const state = words();
    state[3] = UPTODATE;
    u.setFrameResolver(dst.iova, LEN, rule(state, { dirty: 0, writeProtectReads: false, faultAround: 1, copyFromIova: back.iova }));
    const v = new Uint8Array(dst.buffer);
    expect(v[3 * 4096 + 100]).toBe(0x5a);
    v[3 * 4096] = 1;
    expect(new Uint8Array(back.buffer)[3 * 4096]).toBe(0x5a);
    expect(u.stats()).toMatchObject({ missing: 1, deferred: 0 });
  });

  it('refuses state words JS could detach, too few words, bits outside the mask and a bad window, naming the argument', () => {
    const { view, u } = shared();
    const bad = (over: Partial<UffdFrameRule>, arg: string) =>
      expect(() => u.setFrameResolver(view.iova, LEN, rule(words(), over)), arg)
        .toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining(`uffd.setFrameResolver(${arg})`) }));
    bad({ state: new Int32Array(PAGES) }, 'rule.state');
    bad({ state: new Int32Array(new SharedArrayBuffer(4)) }, 'rule.state');
    bad({ value: 4 }, 'rule.value');
    bad({ dirty: 1 }, 'rule.value');
    bad({ faultAround: 3 }, 'rule.faultAround');
    bad({ faultAround: 1024 }, 'rule.faultAround');
    // The native side checks again, whatever the TS wrapper let through.
    const raw = new binding.Userfaultfd(0);
    try {
      const call = (state: unknown, around: number) => () => raw.setFrameResolver(view.iova, LEN, state, 3, 2, 4, false, around);
      expect(call(new Int32Array(PAGES), 1)).toThrow(/22\|uffd\.setFrameResolver\(state\): its buffer is not a SharedArrayBuffer/);
      expect(call(new Uint32Array(new SharedArrayBuffer(PAGES * 4)), 1)).toThrow(/22\|uffd\.setFrameResolver\(state\): not an Int32Array/);
      expect(call({}, 1)).toThrow(/22\|uffd\.setFrameResolver\(state\)/);
      expect(call(new Int32Array(new SharedArrayBuffer(4)), 1)).toThrow(/22\|uffd\.setFrameResolver\(state\): 1 words for 8 pages/);
      expect(call(words(), 3)).toThrow(/22\|uffd\.setFrameResolver\(faultAround\)/);
    } finally {
      raw.close();
    }
  });
});
