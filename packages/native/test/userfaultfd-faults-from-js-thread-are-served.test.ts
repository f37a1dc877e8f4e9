// Faults raised by the JS thread itself on userfaultfd-registered arena memory are served by the
// native handler thread without deadlock: MISSING (zero-fill and copy), MINOR (CONTINUE on an
// alias of memfd memory whose pages exist), and write-protect faults.
import { afterEach, describe, expect, it } from 'vitest';
import {
  arenaAlias, arenaCreate, arenaFree, Userfaultfd, uffdProbe, UFFDIO_REGISTER_MODE_MINOR, UFFDIO_REGISTER_MODE_MISSING,
  UFFDIO_REGISTER_MODE_WP, UFFD_PAGEFAULT_FLAG_WP, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_PAGEFAULT_FLAG_WP,
} from '@biopath/native';
import type { ArenaRegion } from '@biopath/native';
import { probe } from '@biopath/testing';

const uffdOk = probe.userfaultfd();
if (!uffdOk.ok) console.log(`skipping userfaultfd tests: ${uffdOk.reason}`);
const offered = uffdOk.ok ? uffdProbe().features : 0;

const PAGES = 16;
const LEN = PAGES * 4096;
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function region(): ArenaRegion {
  const r = arenaCreate(LEN);
  cleanups.push(() => arenaFree(r.id));
  return r;
}

function uffd(): Userfaultfd {
  const u = new Userfaultfd();
  cleanups.push(() => u.close());
  return u;
}

describe.skipIf(!uffdOk.ok)('userfaultfd', () => {
  it('MISSING faults from the JS thread are zero-filled by the handler thread', () => {
    const r = region();
    const u = uffd();
    u.register(r.iova, LEN, UFFDIO_REGISTER_MODE_MISSING);
    u.setResolver(r.iova, LEN, 'zero');
    const v = new Uint8Array(r.buffer);
    let sum = 0;
    for (let p = 0; p < PAGES; p += 3) sum += v[p * 4096 + 17]!;
    expect(sum).toBe(0);
    expect(u.stats().missing).toBe(Math.ceil(PAGES / 3));
    const ev = u.drainEvents();
    expect(ev.map((e) => e.iova)).toEqual(Array.from({ length: Math.ceil(PAGES / 3) }, (_, k) => r.iova + k * 3 * 4096));
    expect(ev.every((e) => e.resolvedBy === 0 && e.tid > 0)).toBe(true);
  });

  it('MISSING faults are filled by copying the same offset of a source region', () => {
    const src = region();
    const dst = region();
    const s = new Uint8Array(src.buffer);
    for (let i = 0; i < LEN; i++) s[i] = (i * 7 + (i >> 12)) & 0xff;
    const u = uffd();
    u.register(dst.iova, LEN, UFFDIO_REGISTER_MODE_MISSING);
    u.setResolver(dst.iova, LEN, 'copy', src.iova);
    const d = new Uint8Array(dst.buffer);
    expect(Buffer.from(d).equals(Buffer.from(s))).toBe(true);
    expect(u.stats().missing).toBe(PAGES);
  });

  it.skipIf(!(offered & UFFD_FEATURE_MINOR_SHMEM))(
    'MINOR faults on an alias of populated memfd memory are served with CONTINUE, sharing the same pages',
    () => {
      const a = region();
      const av = new Uint8Array(a.buffer);
      for (let p = 0; p < PAGES; p++) av.fill(p + 1, p * 4096, (p + 1) * 4096);
      const b = arenaAlias(a.id);
      cleanups.push(() => arenaFree(b.id));
      const u = uffd();
      u.register(b.iova, LEN, UFFDIO_REGISTER_MODE_MINOR);
      u.setResolver(b.iova, LEN, 'continue');
      const bv = new Uint8Array(b.buffer);
      for (let p = 0; p < PAGES; p++) expect(bv[p * 4096 + 100]).toBe(p + 1);
      expect(u.stats().minor).toBe(PAGES);
      bv[5 * 4096] = 0xab;
      expect(av[5 * 4096]).toBe(0xab);
    },
  );

  it.skipIf(!(offered & UFFD_FEATURE_PAGEFAULT_FLAG_WP))(
    'write-protect faults are logged and the page is un-protected so the write lands',
    () => {
      const r = region();
      const v = new Uint8Array(r.buffer);
      v.fill(1);
      const u = uffd();
      u.register(r.iova, LEN, UFFDIO_REGISTER_MODE_WP);
      u.writeProtect(r.iova, LEN, true);
      v[3 * 4096 + 5] = 9;
      v[3 * 4096 + 6] = 9;
      v[7 * 4096] = 9;
      expect(v[3 * 4096 + 5]).toBe(9);
      expect(u.stats().wp).toBe(2);
      const ev = u.drainEvents();
      expect(ev.map((e) => e.iova)).toEqual([r.iova + 3 * 4096, r.iova + 7 * 4096]);
      expect(ev.every((e) => (e.flags & UFFD_PAGEFAULT_FLAG_WP) !== 0 && e.resolvedBy === 4)).toBe(true);
    },
  );

  it('explicit COPY and ZEROPAGE fill pages before they are touched, so no fault is raised', () => {
    const src = region();
    new Uint8Array(src.buffer).fill(0x42);
    const r = region();
    const u = uffd();
    u.register(r.iova, LEN, UFFDIO_REGISTER_MODE_MISSING);
    u.setResolver(r.iova, LEN, 'zero');
    expect(u.copy(r.iova, src.iova, 4096)).toBe(4096);
    expect(u.zeropage(r.iova + 4096, 4096)).toBe(4096);
    const v = new Uint8Array(r.buffer);
    expect(v[100]).toBe(0x42);
    expect(v[4096 + 100]).toBe(0);
    expect(u.stats().missing).toBe(0);
  });

  it('ranges outside the arena or not page-aligned are refused with EFAULT / EINVAL', () => {
    const r = region();
    const u = uffd();
    expect(() => u.register(r.iova + LEN, 4096, UFFDIO_REGISTER_MODE_MISSING)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(() => u.register(r.iova + 100, 4096, UFFDIO_REGISTER_MODE_MISSING)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => u.copy(r.iova, 4000 * 2 ** 40, 4096)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(() => u.setResolver(r.iova, LEN, 'copy', r.iova + 4096)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
  });
});
