/**
 * Shared fixtures for mm tests: a MemMap per test with the leak gate checked at the end.
 */
import { warnOnOnceReset } from '@biopath/native';
import {
  createMemMap, destroyMemMap, expectNoLeakedPins, MmStruct, snapshotPins, type MemMap, type Profile,
} from '../src/index.ts';

export interface Fixture {
  mem: MemMap;
  mm: MmStruct;
}

/**
 * Run `fn` with a fresh MemMap and process; afterwards exit every process `fn` returned or created via
 * `track`, check the leak gate against the state before `fn`, and free the arena.
 */
export function withMm(
  opts: { profile?: Profile; nrPages?: number; bits?: 32 | 64 },
  fn: (f: Fixture, track: (mm: MmStruct) => MmStruct) => void,
): void {
  warnOnOnceReset();
  const mem = createMemMap({ nrPages: opts.nrPages ?? 256, profile: opts.profile ?? 'merged', bits: opts.bits ?? 64 });
  try {
    const baseline = snapshotPins(mem);
    const mms: MmStruct[] = [];
    const track = (mm: MmStruct): MmStruct => { mms.push(mm); return mm; };
    const mm = track(new MmStruct(mem));
    fn({ mem, mm }, track);
    for (const m of mms) m.exit();
    expectNoLeakedPins(mem, baseline);
  } finally {
    destroyMemMap(mem);
  }
}

/** pins attributed to `pfn`'s folio: refcount delta / bias for small folios, pincount for large. */
export const PAGE = 4096;
