/**
 * Shared fixtures for mm tests: a MemMap per test whose leak gate is checked at the end.
 */
import { arenaCopy, arenaCreate, arenaFree, BiopathError, warnOnOnceReset } from '@biopath/native';
import { expect } from 'vitest';
import {
  createMemMap, destroyMemMap, expectNoLeakedPins, MmStruct, snapshotPins, pageToIova, PAGE_SIZE, type MemMap,
  type MemMapOpts, type Profile,
} from '../src/index.ts';

export interface Fixture {
  mem: MemMap;
  mm: MmStruct;
  /** register another process (e.g. a fork child) to be exited before the leak gate runs */
  track: (mm: MmStruct) => MmStruct;
}

export interface FixtureOpts {
  profile?: Profile;
  nrPages?: number;
  bits?: 32 | 64;
  nrHugepages?: MemMapOpts['nrHugepages'];
  vmsplice?: MemMapOpts['vmsplice'];
  hugeZeroPage?: boolean;
}

/**
 * Run `fn` with a fresh MemMap and process. Afterwards exit every tracked process, check the leak
 * gate against the state before `fn`, and free the arena region.
 */
export function withMm(opts: FixtureOpts, fn: (f: Fixture) => void): void {
  warnOnOnceReset();
  const mem = createMemMap({
    nrPages: opts.nrPages ?? 256, profile: opts.profile ?? 'merged', bits: opts.bits ?? 64,
    nrHugepages: opts.nrHugepages, vmsplice: opts.vmsplice, hugeZeroPage: opts.hugeZeroPage,
  });
  try {
    const baseline = snapshotPins(mem);
    const mms: MmStruct[] = [];
    const track = (mm: MmStruct): MmStruct => {
      mms.push(mm);
      return mm;
    };
    const mm = track(new MmStruct(mem));
    fn({ mem, mm, track });
    for (const m of mms) m.exit();
    expectNoLeakedPins(mem, baseline);
  } finally {
    destroyMemMap(mem);
  }
}

/** Map `nrPages` private anonymous pages and write `fill` into each so they are present and exclusive. */
export function populated(mm: MmStruct, nrPages: number, fill = 0x5a, opts?: { folioOrder?: number }): number {
  const addr = mm.mmap(nrPages * PAGE_SIZE, opts);
  mm.write(addr, new Uint8Array(nrPages * PAGE_SIZE).fill(fill));
  return addr;
}

/** Pins the model attributes to `pfn`'s folio: the debug shadow count (exact for small folios too). */
export function pinsOf(mem: MemMap, pfn: number): number {
  return mem.dbgPins[mem.head[pfn]];
}

/**
 * A "device" writes `bytes` into frame `pfn` at `offset` through the native arena (a memmove inside
 * Rust between two IOVAs), as DMA would: the bytes never pass through the JS view of the frame.
 */
export function dmaIntoFrame(mem: MemMap, pfn: number, offset: number, bytes: Uint8Array): void {
  const dev = arenaCreate(PAGE_SIZE);
  try {
    new Uint8Array(dev.buffer, 0, bytes.length).set(bytes);
    arenaCopy(pageToIova(mem, pfn) + offset, dev.iova, bytes.length);
  } finally {
    arenaFree(dev.id);
  }
}

/** The `code` of the BiopathError `fn` throws (failing the test if it throws anything else), or 'no error'. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BiopathError);
    return (e as BiopathError).code;
  }
  return 'no error';
}
