/**
 * folio_is_longterm_pinnable() and its effect on FOLL_LONGTERM: with a ZONE_MOVABLE (`movablePages`),
 * a long-term pin first migrates the anon pages it finds there to frames outside it (same data, the
 * process sees the new frame), then pins; a short-term pin leaves them where they are. A page that
 * cannot move (extra references) fails the pin with -ENOMEM and nothing pinned.
 */
import { errno } from '@biopath/native';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  allocPages, createMemMap, destroyMemMap, expectNoLeakedPins, FOLL_LONGTERM, FOLL_WRITE, folioIsLongtermPinnable,
  getUserPages, type MemMap, MmStruct, PAGE_SIZE, pinUserPages, pinUserPagesFast, putPage, snapshotPins,
  type PinSnapshot, unpinUserPages,
} from '../src/index.ts';
import { gupTestIoctl } from './selftests/gup-test-ioctl.ts';

const NR = 1024;
const MOVABLE = 512; // pfns 512..1023 are ZONE_MOVABLE
const AREA = 32;

let mem: MemMap;
let mm: MmStruct;
let base: PinSnapshot;
let area: number;

/** Map AREA pages whose frames land in ZONE_MOVABLE: a filler takes the low frames first, then goes. */
function mapAreaInMovable(): number {
  const filler = mm.mmap(600 * PAGE_SIZE);
  for (let i = 0; i < 600; i++) mm.write(filler + i * PAGE_SIZE, new Uint8Array([1]));
  const a = mm.mmap(AREA * PAGE_SIZE);
  for (let i = 0; i < AREA; i++) mm.write(a + i * PAGE_SIZE, new Uint8Array([i + 7]));
  mm.munmap(filler, 600 * PAGE_SIZE);
  return a;
}

function pfnsOf(a: number): number[] {
  return Array.from({ length: AREA }, (_, i) => mm.followPage(a + i * PAGE_SIZE));
}

beforeEach(() => {
  mem = createMemMap({ nrPages: NR, movablePages: MOVABLE });
  base = snapshotPins(mem);
  mm = new MmStruct(mem);
  area = mapAreaInMovable();
});
afterEach(() => {
  mm.exit();
  expectNoLeakedPins(mem, base);
  destroyMemMap(mem);
});

describe('folioIsLongtermPinnable', () => {
  it('is true for the zero page and frames below ZONE_MOVABLE, false inside it', () => {
    expect(folioIsLongtermPinnable(mem, mem.zeroPfn)).toBe(true);
    expect(folioIsLongtermPinnable(mem, NR - MOVABLE - 1)).toBe(true);
    expect(folioIsLongtermPinnable(mem, NR - MOVABLE)).toBe(false);
    expect(pfnsOf(area).every((p) => !folioIsLongtermPinnable(mem, p))).toBe(true);
  });

  it('throws EINVAL for a pfn outside the map', () => {
    expect(() => folioIsLongtermPinnable(mem, NR)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('is true everywhere without a movable zone', () => {
    const m2 = createMemMap({ nrPages: 64 });
    try {
      for (let p = 0; p < 64; p++) expect(folioIsLongtermPinnable(m2, p)).toBe(true);
    } finally {
      destroyMemMap(m2);
    }
  });
});

describe('FOLL_LONGTERM pins', () => {
  it.each([
    ['pinUserPages', pinUserPages],
    ['pinUserPagesFast', pinUserPagesFast],
  ] as const)('%s migrates the pages out of ZONE_MOVABLE before pinning', (_n, pin) => {
    const before = pfnsOf(area);
    const pages = new Int32Array(AREA);
    expect(pin(mm, area, AREA, FOLL_WRITE | FOLL_LONGTERM, pages)).toBe(AREA);
    const after = pfnsOf(area);
    expect([...pages]).toEqual(after);
    for (let i = 0; i < AREA; i++) {
      expect(after[i]).not.toBe(before[i]);
      expect(folioIsLongtermPinnable(mem, after[i]!)).toBe(true);
      expect(mm.read(area + i * PAGE_SIZE, 1)[0]).toBe(i + 7);
      expect(mem.bytes[after[i]! * PAGE_SIZE]).toBe(i + 7);
    }
    unpinUserPages(mem, pages, AREA);
  });

  it('a short-term pin leaves the pages in ZONE_MOVABLE', () => {
    const before = pfnsOf(area);
    const pages = new Int32Array(AREA);
    expect(pinUserPages(mm, area, AREA, FOLL_WRITE, pages)).toBe(AREA);
    expect([...pages]).toEqual(before);
    unpinUserPages(mem, pages, AREA);
  });

  it('a page holding an extra reference cannot move: -ENOMEM, nothing pinned', () => {
    const held = new Int32Array(1);
    expect(getUserPages(mm, area + 5 * PAGE_SIZE, 1, 0, held)).toBe(1);
    const snap = snapshotPins(mem);
    const pages = new Int32Array(AREA);
    expect(pinUserPages(mm, area, AREA, FOLL_LONGTERM, pages)).toBe(-errno.ENOMEM);
    expect(mem.nrFollPinAcquired - mem.nrFollPinReleased).toBe(snap.nrFollPinAcquired - snap.nrFollPinReleased);
    expect(mm.followPage(area + 5 * PAGE_SIZE)).toBe(held[0]);
    putPage(mem, held[0]!);
  });

  it('no free frame outside ZONE_MOVABLE: -ENOMEM, nothing pinned', () => {
    const taken: number[] = [];
    for (let p = allocPages(mem, 0, { below: NR - MOVABLE }); p >= 0; p = allocPages(mem, 0, { below: NR - MOVABLE })) taken.push(p);
    expect(taken.length).toBeGreaterThan(0);
    const pages = new Int32Array(AREA);
    expect(pinUserPages(mm, area, AREA, FOLL_LONGTERM, pages)).toBe(-errno.ENOMEM);
    expect(mem.nrFollPinAcquired).toBe(mem.nrFollPinReleased);
    for (const p of taken) putPage(mem, p);
  });
});

describe('gup_test PIN_LONGTERM_BENCHMARK (-L) over base pages in ZONE_MOVABLE', () => {
  it.each([1, 7, 32])('-n %i: every page pinned and long-term pinnable (verify_dma_pinned quiet)', (n) => {
    const before = pfnsOf(area);
    const r = gupTestIoctl(mm, 'PIN_LONGTERM_BENCHMARK', {
      addr: area, size: AREA * PAGE_SIZE, nrPagesPerCall: n, gupFlags: FOLL_WRITE, testFlags: 0, whichPages: [],
    });
    expect(r).toMatchObject({ ret: 0, size: AREA * PAGE_SIZE, nrPages: AREA, warnings: [] });
    const after = pfnsOf(area);
    expect(after.every((p, k) => p !== before[k] && folioIsLongtermPinnable(mem, p))).toBe(true);
  });

  it('PIN_BASIC_TEST (-b) leaves them movable', () => {
    const before = pfnsOf(area);
    const r = gupTestIoctl(mm, 'PIN_BASIC_TEST', {
      addr: area, size: AREA * PAGE_SIZE, nrPagesPerCall: 7, gupFlags: FOLL_WRITE, testFlags: 0, whichPages: [],
    });
    expect(r).toMatchObject({ ret: 0, nrPages: AREA, warnings: [] });
    expect(pfnsOf(area)).toEqual(before);
  });
});
