// Release modes are pluggable (for A/B tests) and checked against how pages were taken: each mode
// releases exactly what its pages carry, `deferred` holds them until a batch is released off the
// completion path, and a mode that does not match is refused up front (docs/KERNEL-SEMANTICS.md §3.5).
import { describe, expect, it } from 'vitest';
import {
  BIO_NO_PAGE_REF, BIO_PAGE_PINNED, BIO_PAGE_REFFED, Bio, EIOCBQUEUED, Kiocb, bioAlloc, bioFlagged, bioIovIterGetPages,
  bioPut, bioReleasePage, bioReleasePages, bioSetFlag, bioSetReleaseMode, blkFlushDeferredRelease, blkMqDrain,
  blkdevDirectIO, deferredReleaseStats, releaseModeFromName, type ReleaseModeName,
} from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterKvec, iovIterUbuf, type IovIter } from '@biopath/iov-iter';
import { allocPages, getPage, pageAddress, pageDirty, pinUserPagesFast, putPage, type Profile } from '@biopath/mm';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

interface Case { mode: ReleaseModeName; profile: Profile; src: 'user' | 'kernel' }
const MATCHING: Case[] = [
  { mode: 'unpin', profile: 'merged', src: 'user' },
  { mode: 'unpin-batched', profile: 'merged', src: 'user' },
  { mode: 'put', profile: 'legacy', src: 'user' },
  { mode: 'none', profile: 'merged', src: 'kernel' },
  { mode: 'deferred', profile: 'merged', src: 'user' },
  { mode: 'deferred', profile: 'legacy', src: 'user' },
  { mode: 'auto', profile: 'current', src: 'user' },
];
const MISMATCHED: Case[] = [
  { mode: 'put', profile: 'merged', src: 'user' },
  { mode: 'none', profile: 'merged', src: 'user' },
  { mode: 'unpin', profile: 'legacy', src: 'user' },
  { mode: 'unpin-batched', profile: 'merged', src: 'kernel' },
  { mode: 'deferred', profile: 'merged', src: 'kernel' },
];

function iterFor(r: Rig, c: Case, dir: number, len: number): { it: IovIter; pfns: number[]; cleanup: () => void } {
  if (c.src === 'user') {
    const a = r.mm.mmap(len);
    r.mm.write(a, new Uint8Array(len));
    const pfns = Array.from({ length: len / 4096 }, (_, k) => r.mm.followPage(a + k * 4096));
    return { it: iovIterUbuf(createIovIter(), dir, r.mm, a, len), pfns, cleanup: () => undefined };
  }
  const pfn = allocPages(r.mem, 2);
  const it = iovIterKvec(createIovIter(), dir, r.mem, [{ iov_base: pageAddress(r.mem, pfn), iov_len: len }], 1, len);
  return { it, pfns: [pfn], cleanup: () => putPage(r.mem, pfn) };
}

const refsOf = (r: Rig, pfns: number[]): number[] => pfns.map((p) => r.mem.refcount[r.mem.head[p]]);

describe.each(MATCHING.map((c) => [`${c.mode} (${c.profile}, ${c.src})`, c] as const))('mode %s', (_name, c) => {
  it('a DIO read releases exactly what it took, dirtying user pages', () => {
    const r = rig(c.profile);
    const { it: iter, pfns, cleanup } = iterFor(r, c, ITER_DEST, 16384);
    const before = refsOf(r, pfns);
    const iocb = new Kiocb();
    iocb.ki_bdev = r.bdev;
    iocb.ki_release = releaseModeFromName(c.mode);
    let res = 0;
    iocb.ki_complete = (_k, ret) => { res = ret; };
    expect(blkdevDirectIO(iocb, iter)).toBe(EIOCBQUEUED);
    if (c.src === 'user') expect(refsOf(r, pfns)).not.toEqual(before);
    blkMqDrain(r.q);
    expect(res).toBe(16384);
    if (c.mode === 'deferred') {
      expect(deferredReleaseStats().pending).toBeGreaterThan(0);
      expect(refsOf(r, pfns)).not.toEqual(before);
      expect(blkFlushDeferredRelease()).toBeGreaterThan(0);
    }
    expect(refsOf(r, pfns)).toEqual(before);
    if (c.src === 'user') for (const p of pfns) expect(pageDirty(r.mem, p)).toBe(true);
    cleanup();
  });
});

describe.each(MISMATCHED.map((c) => [`${c.mode} (${c.profile}, ${c.src})`, c] as const))('mismatched mode %s', (_name, c) => {
  it('is refused up front with EINVAL, nothing taken', () => {
    const r = rig(c.profile);
    const { it: iter, cleanup } = iterFor(r, c, ITER_SOURCE, 4096);
    const iocb = new Kiocb();
    iocb.ki_bdev = r.bdev;
    iocb.ki_release = releaseModeFromName(c.mode);
    const acquired = r.mem.nrFollPinAcquired;
    expect(() => blkdevDirectIO(iocb, iter)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(iter.count).toBe(4096);
    expect(r.mem.nrFollPinAcquired).toBe(acquired);
    cleanup();
  });
});

describe('bioSetReleaseMode', () => {
  it('refuses an unknown mode and a mode that cannot release pages already held', () => {
    const r = rig('merged');
    const bio = bioAlloc(r.bdev, 4, 0);
    expect(() => bioSetReleaseMode(bio, 'free' as ReleaseModeName)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    const a = r.mm.mmap(4096);
    r.mm.write(a, new Uint8Array(4096));
    bioIovIterGetPages(bio, iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a, 4096));
    expect(() => bioSetReleaseMode(bio, 'put')).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    bioSetReleaseMode(bio, 'unpin-batched');
    bioReleasePages(bio, false);
    bioPut(bio);
  });
});

describe('bio flags per profile (§3.2, §6 ex. 24-25)', () => {
  it('v8: the combined PINNED|REFFED mask test equals the two separate tests for all four combinations', () => {
    const r = rig('v8');
    for (let f = 0; f < 4; f++) {
      const bio = bioAlloc(r.bdev, 1, 0);
      if (f & 1) bioSetFlag(bio, BIO_PAGE_PINNED);
      if (f & 2) bioSetFlag(bio, BIO_PAGE_REFFED);
      const two = bioFlagged(bio, BIO_PAGE_PINNED) || bioFlagged(bio, BIO_PAGE_REFFED);
      expect((bio.bi_flags & 0x3) !== 0).toBe(two);
      expect(BIO_PAGE_PINNED).toBe(0);
      expect(BIO_PAGE_REFFED).toBe(1);
      bioPut(bio);
    }
  });

  const cases: Array<[Profile, number | null, 'unpin' | 'put' | 'none']> = [
    ['merged', BIO_PAGE_PINNED, 'unpin'], ['merged', null, 'none'], ['v8', BIO_PAGE_PINNED, 'unpin'],
    ['v8', BIO_PAGE_REFFED, 'put'], ['legacy', null, 'put'], ['legacy', BIO_NO_PAGE_REF, 'none'],
  ];
  it.each(cases)('%s with flag %s: bioReleasePage does %s', (profile, flag, what) => {
    const r = rig(profile);
    const a = r.mm.mmap(4096);
    r.mm.write(a, new Uint8Array(4096));
    const pages = new Int32Array(1);
    const p = r.mm.followPage(a);
    if (what === 'unpin') pinUserPagesFast(r.mm, a, 1, 0, pages);
    if (what === 'put') getPage(r.mem, p);
    const held = r.mem.refcount[r.mem.head[p]];
    const bio: Bio = bioAlloc(r.bdev, 1, 0);
    bio.bi_mem = r.mem;
    if (flag !== null) bioSetFlag(bio, flag);
    bioReleasePage(bio, p);
    const delta = held - r.mem.refcount[r.mem.head[p]];
    expect(delta).toBe(what === 'unpin' ? 1024 : what === 'put' ? 1 : 0);
    bioPut(bio);
  });
});
