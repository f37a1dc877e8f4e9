/**
 * Mapping cached folios into an emulated process (`MmStruct`), so user-backed iterators over that
 * address range reach the very cache folios: O_DIRECT into such a buffer pins them.
 */
import type { MmStruct } from '@biopath/mm';

/** One range of cache folios mapped into an emulated process. */
export interface UserMapping {
  readonly mm: MmStruct;
  readonly addr: number;
  readonly firstIndex: number;
  /** Folio per mapped page, in page order. */
  readonly pfns: Int32Array;
}
