/**
 * Failed extractions return the kernel's negative errno, leave the iterator where it was and retain
 * nothing; an array allocated for the caller is still handed over (docs/KERNEL-SEMANTICS.md §1.5 item 2, §1.8, §6 ex. 4, 5, 10-13).
 */
import { PAGE_SIZE, PROT_NONE, PROT_READ, TASK_SIZE, pageAddress, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_ALLOW_P2PDMA, ITER_DEST, ITER_SOURCE, createIovIter, iovIterBvec, iovIterDiscard, iovIterExtractPages,
  iovIterFolioq, iovIterKvec, iovIterUbuf, iovIterXarray, createFolioQueue, folioqAppend, createXArray, xaStore,
  type IovIter, type PagesRef,
} from '../src/index.ts';
import { expectWarned, pinsOf, unpinAll, withEnv, type Env } from './helpers.ts';

const EFAULT = -14;
const ENOMEM = -12;
const EREMOTEIO = -121;
const EXTRACTING: Profile[] = ['v8', 'merged', 'current'];

function position(i: IovIter): number[] {
  return [i.count, i.iov_offset, i.nr_segs, i.seg];
}

describe.each(EXTRACTING)('profile %s', (profile) => {
  test('count 0 or maxsize 0: returns 0, allocates nothing, leaves offset0 alone (example 4)', () => {
    withEnv(profile, ({ mm, populated }) => {
      const pages: PagesRef = { pages: null };
      const res = { bytes: -1, offset0: 1234 };
      const empty = iovIterUbuf(createIovIter(), ITER_DEST, mm, populated(1), 0);
      expect(iovIterExtractPages(empty, pages, Infinity, 8, 0, res)).toEqual({ bytes: 0, offset0: 1234 });
      const full = iovIterUbuf(createIovIter(), ITER_DEST, mm, populated(1), 100);
      expect(iovIterExtractPages(full, pages, 0, 8, 0, res)).toBe(res);
      expect(res).toEqual({ bytes: 0, offset0: 1234 });
      expect(pages.pages).toBeNull();
      expect(position(full)).toEqual([100, 0, 1, 0]);
    });
  });

  test('ITER_DISCARD: -EFAULT, nothing allocated or pinned (example 5)', () => {
    withEnv(profile, () => {
      const pages: PagesRef = { pages: null };
      const i = iovIterDiscard(createIovIter(), ITER_DEST, 4096);
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0).bytes).toBe(EFAULT);
      expect(pages.pages).toBeNull();
      expect(i.count).toBe(4096);
    });
  });

  test('PROT_NONE first page: -EFAULT, zero pins, and the array allocated for the caller is reported (example 10)', () => {
    withEnv(profile, ({ mem, mm }) => {
      const a = mm.mmap(2 * PAGE_SIZE, { prot: PROT_NONE });
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a + 8, 5000);
      const pages: PagesRef = { pages: null };
      const acquired = mem.nrFollPinAcquired;
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0).bytes).toBe(EFAULT);
      expect(pages.pages).toBeInstanceOf(Int32Array);
      expect(pages.pages!.length).toBe(2);
      expect(mem.nrFollPinAcquired).toBe(acquired);
      expect(position(i)).toEqual([5000, 0, 1, 0]);
    });
  });

  test('no mapping, or beyond the address limit: -EFAULT', () => {
    withEnv(profile, ({ mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      mm.munmap(a, PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      expect(iovIterExtractPages(iovIterUbuf(createIovIter(), ITER_DEST, mm, a, 10), pages, Infinity, 8, 0).bytes).toBe(EFAULT);
      const far = iovIterUbuf(createIovIter(), ITER_DEST, mm, TASK_SIZE, PAGE_SIZE);
      expect(iovIterExtractPages(far, pages, Infinity, 8, 0).bytes).toBe(EFAULT);
    });
  });

  test('an address range that overflows: -EOVERFLOW', () => {
    withEnv(profile, ({ mm }) => {
      const i = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, Number.MAX_SAFE_INTEGER - 100, PAGE_SIZE);
      expect(iovIterExtractPages(i, { pages: null }, Infinity, 8, 0).bytes).toBe(-75);
      expect(i.count).toBe(PAGE_SIZE);
    });
  });

  test('write pin on a read-only mapping: -EFAULT as a destination, fine as a source (example 11)', () => {
    withEnv(profile, ({ mem, mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      mm.write(a, new Uint8Array([9]));
      mm.mprotect(a, PAGE_SIZE, PROT_READ);
      const pages: PagesRef = { pages: null };
      const dest = iovIterUbuf(createIovIter(), ITER_DEST, mm, a, PAGE_SIZE);
      expect(iovIterExtractPages(dest, pages, Infinity, 8, 0).bytes).toBe(EFAULT);
      expect(dest.count).toBe(PAGE_SIZE);
      const src = iovIterUbuf(createIovIter(), ITER_SOURCE, mm, a, PAGE_SIZE);
      expect(iovIterExtractPages(src, pages, Infinity, 8, 0).bytes).toBe(PAGE_SIZE);
      expect(pinsOf(mem, pages.pages![0]!)).toBe(1);
      unpinAll(mem, pages.pages, 1);
    });
  });

  test('P2PDMA pages need ITER_ALLOW_P2PDMA: -EREMOTEIO at the first page, short after a normal one (example 13)', () => {
    withEnv(profile, ({ mem, mm }) => {
      const p2p = mm.mmap(PAGE_SIZE, { p2pdma: true });
      const pages: PagesRef = { pages: null };
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, p2p, PAGE_SIZE);
      expect(iovIterExtractPages(i, pages, Infinity, 8, 0).bytes).toBe(EREMOTEIO);
      expect(i.count).toBe(PAGE_SIZE);
      expect(iovIterExtractPages(i, pages, Infinity, 8, ITER_ALLOW_P2PDMA).bytes).toBe(PAGE_SIZE);
      expect(pinsOf(mem, pages.pages![0]!)).toBe(1);
      unpinAll(mem, pages.pages, 1);
      const normal = mm.mmap(PAGE_SIZE, { addr: p2p - PAGE_SIZE });
      mm.write(normal, new Uint8Array([1]));
      const both = iovIterUbuf(createIovIter(), ITER_DEST, mm, normal, 2 * PAGE_SIZE);
      pages.pages = null;
      expect(iovIterExtractPages(both, pages, Infinity, 8, 0).bytes).toBe(PAGE_SIZE);
      expect(pages.pages!.length).toBe(2);
      unpinAll(mem, pages.pages, 1);
    });
  });

  test('kernel-backed iterators ignore ITER_ALLOW_P2PDMA', () => {
    withEnv(profile, ({ mem, folio }) => {
      const p = folio(0);
      const mk = (): IovIter[] => [
        iovIterKvec(createIovIter(), ITER_DEST, mem, [{ iov_base: pageAddress(mem, p) + 8, iov_len: 100 }], 1, 100),
        iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: p, bv_offset: 8, bv_len: 100 }], 1, 100),
      ];
      const [a, b] = [mk(), mk()];
      for (let k = 0; k < 2; k++) {
        const x = iovIterExtractPages(a[k]!, { pages: null }, Infinity, 8, 0);
        const y = iovIterExtractPages(b[k]!, { pages: null }, Infinity, 8, ITER_ALLOW_P2PDMA);
        expect(y).toEqual(x);
        expect(x.bytes).toBe(100);
      }
    });
  });

  test('maxpages 0: -ENOMEM with a WARN for every type that needs pages, nothing pinned (example 12)', () => {
    withEnv(profile, (env) => {
      const iters = kernelAndUserIters(env, profile);
      for (const i of iters) {
        const before = position(i);
        expect(iovIterExtractPages(i, { pages: null }, Infinity, 0, 0).bytes).toBe(ENOMEM);
        expect(position(i)).toEqual(before);
      }
      expectWarned(iters.length);
    });
  });

  test('bad maxsize, maxpages or a too-small caller array throw at the edge', () => {
    withEnv(profile, ({ mm, populated }) => {
      const i = iovIterUbuf(createIovIter(), ITER_DEST, mm, populated(2), 2 * PAGE_SIZE);
      expect(() => iovIterExtractPages(i, { pages: null }, -1, 1, 0)).toThrow(/iovIterExtractPages\(maxsize\)/);
      expect(() => iovIterExtractPages(i, { pages: null }, 1, 1.5, 0)).toThrow(/iovIterExtractPages\(maxpages\)/);
      expect(() => iovIterExtractPages(i, { pages: new Int32Array(1) }, Infinity, 8, 0)).toThrow(/room for 1 pages, 2 needed/);
      expect(i.count).toBe(2 * PAGE_SIZE);
    });
  });
});

/** One iterator of each type whose extraction needs a page array. */
function kernelAndUserIters({ mem, mm, folio, populated }: Env, profile: Profile): IovIter[] {
  const p = folio(0);
  const xa = createXArray<number>();
  xaStore(xa, 0, p);
  const out = [
    iovIterUbuf(createIovIter(), ITER_DEST, mm, populated(1), 100),
    iovIterKvec(createIovIter(), ITER_DEST, mem, [{ iov_base: pageAddress(mem, p), iov_len: 100 }], 1, 100),
    iovIterBvec(createIovIter(), ITER_DEST, mem, [{ bv_page: p, bv_offset: 0, bv_len: 100 }], 1, 100),
    iovIterXarray(createIovIter(), ITER_DEST, mem, xa, 0, 100),
  ];
  if (profile === 'current') {
    const fq = createFolioQueue();
    folioqAppend(mem, fq, p);
    out.push(iovIterFolioq(createIovIter(), ITER_DEST, mem, fq, 0, 0, 100));
  }
  return out;
}
