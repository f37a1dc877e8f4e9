/**
 * docs/KERNEL-SEMANTICS.md §6 ex. 42 at the mm level: random mixes of writes, pins, gets, DMA, fork, exit,
 * mprotect and MADV_DONTFORK. Throughout: every folio's refcount equals its mappings plus held
 * references plus pins; every pinned page (but the zero page) stays mapped by the pinning process at
 * the pinned address (so DMA lands where the owner reads); processes never see each other's writes.
 * At the end everything returns to the baseline (leak gate).
 */
import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FOLL_LONGTERM, FOLL_WRITE, GUP_PIN_COUNTING_BIAS, MADV_DOFORK, MADV_DONTFORK, PAGE_SIZE, PROT_READ, PROT_WRITE,
  folioHasPincount, getUserPages, getUserPagesFast, pinUserPages, pinUserPagesFast, putPage,
  unpinUserPagesDirtyLock, type MemMap, type MmStruct,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

const NPAGES = 4;
const BASE = 0x4000_0000;

interface Proc { mm: MmStruct; seen: Uint8Array; ro: boolean[]; dontfork: boolean[]; has: boolean[] }
interface Hold { owner: Proc; page: number; pfn: number; pin: boolean }

const op = fc.oneof(
  fc.record({ k: fc.constant('write' as const), p: fc.nat(7), page: fc.nat(NPAGES - 1), v: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('pin' as const), p: fc.nat(7), page: fc.nat(NPAGES - 1), n: fc.integer({ min: 1, max: 3 }),
    write: fc.boolean(), longterm: fc.boolean(), fast: fc.boolean() }),
  fc.record({ k: fc.constant('get' as const), p: fc.nat(7), page: fc.nat(NPAGES - 1), write: fc.boolean(), fast: fc.boolean() }),
  fc.record({ k: fc.constant('release' as const), h: fc.nat(15), dirty: fc.boolean() }),
  fc.record({ k: fc.constant('dma' as const), h: fc.nat(15), v: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('fork' as const), p: fc.nat(7) }),
  fc.record({ k: fc.constant('exit' as const), p: fc.nat(7) }),
  fc.record({ k: fc.constant('protect' as const), p: fc.nat(7), page: fc.nat(NPAGES - 1), ro: fc.boolean() }),
  fc.record({ k: fc.constant('dontfork' as const), p: fc.nat(7), page: fc.nat(NPAGES - 1), on: fc.boolean() }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Every allocated folio: refcount == PTE mappings + held gets + pins (bias for small folios). */
function checkRefcounts(mem: MemMap, procs: Proc[], holds: Hold[]): void {
  const expected = new Map<number, number>();
  const add = (pfn: number, n: number): void => {
    const h = mem.head[pfn];
    expected.set(h, (expected.get(h) ?? 0) + n);
  };
  for (const { mm } of procs) {
    for (let i = 0; i < NPAGES; i++) {
      const pfn = mm.followPage(BASE + i * PAGE_SIZE);
      if (pfn > 0) add(pfn, 1);
    }
  }
  for (const h of holds) {
    if (h.pfn === mem.zeroPfn) continue;
    add(h.pfn, h.pin ? (folioHasPincount(mem, h.pfn) ? 1 : GUP_PIN_COUNTING_BIAS) : 1);
  }
  for (const [head, n] of expected) expect(mem.refcount[head], `refcount of pfn ${head}`).toBe(n);
}

/** A pin (not of the zero page) keeps the page mapped by the pinning process at the pinned address. */
function checkPinsCoherent(mem: MemMap, procs: Proc[], holds: Hold[]): void {
  for (const h of holds) {
    if (!h.pin || h.pfn === mem.zeroPfn || !procs.includes(h.owner)) continue;
    expect(h.owner.mm.followPage(BASE + h.page * PAGE_SIZE), 'pinned page still mapped by its owner').toBe(h.pfn);
  }
}

function step(mem: MemMap, procs: Proc[], holds: Hold[], o: Op): void {
  const proc = 'p' in o ? procs[o.p % procs.length]! : procs[0]!;
  const addr = 'page' in o ? BASE + o.page * PAGE_SIZE : BASE;
  switch (o.k) {
    case 'write': {
      const ok = proc.has[o.page]! && !proc.ro[o.page]!;
      if (ok) {
        proc.mm.write(addr + 1, new Uint8Array([o.v]));
        proc.seen[o.page] = o.v;
      } else expect(() => proc.mm.write(addr + 1, new Uint8Array([o.v]))).toThrow(/EFAULT/);
      return;
    }
    case 'pin': case 'get': {
      const n = o.k === 'pin' ? Math.min(o.n, NPAGES - o.page) : 1;
      const flags = (o.write ? FOLL_WRITE : 0) | (o.k === 'pin' && o.longterm ? FOLL_LONGTERM : 0);
      const fn = o.k === 'pin' ? (o.fast ? pinUserPagesFast : pinUserPages) : (o.fast ? getUserPagesFast : getUserPages);
      const pages = new Int32Array(n);
      const got = fn(proc.mm, addr, n, flags, pages);
      let expectOk = 0;
      while (expectOk < n && proc.has[o.page + expectOk]! && !(o.write && proc.ro[o.page + expectOk]!)) expectOk++;
      expect(got).toBe(expectOk > 0 ? expectOk : -14);
      for (let i = 0; i < got; i++) holds.push({ owner: proc, page: o.page + i, pfn: pages[i]!, pin: o.k === 'pin' });
      return;
    }
    case 'release': {
      if (holds.length === 0) return;
      const h = holds.splice(o.h % holds.length, 1)[0]!;
      if (h.pin) unpinUserPagesDirtyLock(mem, new Int32Array([h.pfn]), 1, o.dirty);
      else putPage(mem, h.pfn);
      return;
    }
    case 'dma': {
      const h = holds.find((x, i) => i >= o.h % Math.max(1, holds.length) && x.pfn !== mem.zeroPfn);
      if (h === undefined) return;
      mem.bytes[h.pfn * PAGE_SIZE + 1] = o.v;
      for (const q of procs) if (q.mm.followPage(BASE + h.page * PAGE_SIZE) === h.pfn) q.seen[h.page] = o.v;
      return;
    }
    case 'fork': {
      if (procs.length >= 4) return;
      const child = proc.mm.fork();
      const has = proc.has.map((x, i) => x && !proc.dontfork[i]!);
      procs.push({ mm: child, seen: proc.seen.slice(), ro: proc.ro.slice(), dontfork: proc.dontfork.slice(), has });
      return;
    }
    case 'exit': {
      if (procs.length <= 1) return;
      const i = o.p % procs.length;
      procs[i]!.mm.exit();
      procs.splice(i, 1);
      return;
    }
    case 'protect': {
      if (!proc.has[o.page]!) return;
      proc.mm.mprotect(addr, PAGE_SIZE, o.ro ? PROT_READ : PROT_READ | PROT_WRITE);
      proc.ro[o.page] = o.ro;
      return;
    }
    case 'dontfork': {
      if (!proc.has[o.page]!) return;
      proc.mm.madvise(addr, PAGE_SIZE, o.on ? MADV_DONTFORK : MADV_DOFORK);
      proc.dontfork[o.page] = o.on;
      return;
    }
  }
}

describe.each([{ profile: 'legacy' as const }, { profile: 'merged' as const }])('profile $profile', ({ profile }) => {
  it('random GUP/fork sequences keep refcounts exact, pins coherent and processes isolated', () => {
    fc.assert(fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
      withMm({ profile, nrPages: 512 }, ({ mem, mm }) => {
        mm.mmap(NPAGES * PAGE_SIZE, { addr: BASE });
        const procs: Proc[] = [{
          mm, seen: new Uint8Array(NPAGES), ro: Array(NPAGES).fill(false), dontfork: Array(NPAGES).fill(false),
          has: Array(NPAGES).fill(true),
        }];
        const holds: Hold[] = [];
        for (const o of ops) {
          step(mem, procs, holds, o);
          checkRefcounts(mem, procs, holds);
          checkPinsCoherent(mem, procs, holds);
          for (const q of procs) {
            for (let i = 0; i < NPAGES; i++) if (q.has[i]) expect(q.mm.read(BASE + i * PAGE_SIZE + 1, 1)[0]).toBe(q.seen[i]);
          }
        }
        for (const h of holds) {
          if (h.pin) unpinUserPagesDirtyLock(mem, new Int32Array([h.pfn]), 1, false);
          else putPage(mem, h.pfn);
        }
        for (const q of procs) if (q.mm !== mm) q.mm.exit();
      });
    }), propertyParams({ numRuns: 150 }));
  });
});
