/**
 * Fixtures for iov-iter tests over real frames: a MemMap per test, one process, kernel memory the
 * test allocates, and mm's leak gate (pins, references and WARN count back to the baseline) at the end.
 */
import { warnOnOnceCount, warnOnOnceReset } from '@biopath/native';
import {
  PAGE_SIZE, allocPages, createMemMap, destroyMemMap, expectNoLeakedPins, MmStruct, putPage, snapshotPins,
  unpinUserPages, vfree, vmalloc, type MemMap, type Profile,
} from '@biopath/mm';
import { expect } from 'vitest';

export const PROFILES: readonly Profile[] = ['legacy', 'v8', 'merged', 'current'];

export interface Env {
  mem: MemMap;
  mm: MmStruct;
  /** A folio of 2^order frames, freed (one put) before the leak gate. */
  folio(order?: number, fill?: number): number;
  /** vmalloc'd kernel memory, vfree'd before the leak gate. */
  vmalloc(size: number): number;
  /** Map `nrPages` of anonymous memory and write `fill` into it (present, exclusive). */
  populated(nrPages: number, fill?: number): number;
  /** Another process to exit before the leak gate. */
  track(mm: MmStruct): MmStruct;
}

/**
 * Run `fn` on a fresh MemMap of `profile`; then free what it allocated, exit its processes and run
 * the leak gate. WARNs the test provokes on purpose must be checked and reset by the test itself.
 */
export function withEnv(profile: Profile, fn: (env: Env) => void, nrPages = 1024): void {
  warnOnOnceReset();
  const mem = createMemMap({ nrPages, profile });
  try {
    const baseline = snapshotPins(mem);
    const folios: number[] = [];
    const vmas: number[] = [];
    const mms: MmStruct[] = [];
    const env: Env = {
      mem,
      mm: new MmStruct(mem),
      folio(order = 0, fill?: number) {
        const pfn = allocPages(mem, order);
        if (pfn < 0) throw new Error(`test: allocPages(${order}) failed: ${pfn}`);
        if (fill !== undefined) mem.bytes.fill(fill, pfn * PAGE_SIZE, (pfn + (1 << order)) * PAGE_SIZE);
        folios.push(pfn);
        return pfn;
      },
      vmalloc(size) {
        const k = vmalloc(mem, size);
        vmas.push(k);
        return k;
      },
      populated(n, fill = 0x5a) {
        const addr = env.mm.mmap(n * PAGE_SIZE);
        env.mm.write(addr, new Uint8Array(n * PAGE_SIZE).fill(fill));
        return addr;
      },
      track(m) {
        mms.push(m);
        return m;
      },
    };
    mms.push(env.mm);
    fn(env);
    for (const m of mms) m.exit();
    for (const pfn of folios) putPage(mem, pfn);
    for (const k of vmas) vfree(mem, k);
    expectNoLeakedPins(mem, baseline);
  } finally {
    destroyMemMap(mem);
  }
}

/** Assert that exactly `n` WARN_ON_ONCE reports fired, then clear them so the leak gate passes. */
export function expectWarned(n: number): void {
  expect(warnOnOnceCount()).toBe(n);
  warnOnOnceReset();
}

/** Pins attributed to `pfn`'s folio (mm's debug shadow count, exact for small folios too). */
export function pinsOf(mem: MemMap, pfn: number): number {
  return mem.dbgPins[mem.head[pfn]!]!;
}

/** Release the pins of the first `n` entries of an extraction. */
export function unpinAll(mem: MemMap, pages: Int32Array | null, n: number): void {
  if (pages !== null && n > 0) unpinUserPages(mem, pages, n);
}

/** Entries an extraction of `bytes` from `offset0` occupies. */
export function pagesUsed(offset0: number, bytes: number): number {
  return Math.ceil((offset0 + bytes) / PAGE_SIZE);
}

/** A page-distinct byte pattern: byte k of the result is (seed + k * 7 + (k >> 12)) & 0xff. */
export function pattern(len: number, seed = 1): Uint8Array {
  const out = new Uint8Array(len);
  for (let k = 0; k < len; k++) out[k] = (seed + k * 7 + (k >> 12)) & 0xff;
  return out;
}
