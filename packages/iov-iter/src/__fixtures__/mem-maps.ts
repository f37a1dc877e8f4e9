/** Test fixture (not exported by the package): the two small frame maps the colocated tests share. */
import { createMemMap, destroyMemMap, MmStruct, type MemMap } from '@biopath/mm';

export interface MemMaps {
  /** A `merged`-profile map. */
  mem: MemMap;
  /** A `current`-profile map (multi-bvec extraction, FOLIOQ). */
  cur: MemMap;
  /** A process over `mem`. */
  mm: MmStruct;
}

export function openMemMaps(): MemMaps {
  const mem = createMemMap({ nrPages: 2 });
  return { mem, cur: createMemMap({ nrPages: 2, profile: 'current' }), mm: new MmStruct(mem) };
}

export function closeMemMaps(m: MemMaps): void {
  destroyMemMap(m.mem);
  destroyMemMap(m.cur);
}
