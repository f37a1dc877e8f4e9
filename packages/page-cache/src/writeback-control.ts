/**
 * What one writeback call asks for and what its IO did: the sync mode and page range a
 * mapping's `writepages` works on, and the batch of write requests it starts (in flight, folios
 * written, first error). A leaf module, so the address space operations can name it.
 * @kernel include/linux/writeback.h struct writeback_control, enum writeback_sync_modes
 */

/** Start what can be started; skip locked folios and folios already under writeback. */
export const WB_SYNC_NONE = 0;
/** Wait for locked folios and earlier writeback; a data-integrity pass (fsync). */
export const WB_SYNC_ALL = 1;

/** @kernel include/linux/writeback.h struct writeback_control */
export interface WritebackControl {
  /** WB_SYNC_NONE or WB_SYNC_ALL. @kernel writeback_control.sync_mode */
  sync_mode: number;
  /** First and last page index of the range (the kernel keeps bytes in range_start/range_end). */
  first: number;
  last: number;
  /** Write with REQ_FUA (durable on completion, no flush needed). */
  fua: boolean;
  /** Write requests of this call still in flight. */
  inflight: number;
  /** First error (negative errno) of this call's requests, or 0. */
  err: number;
  /** Folios written by this call. */
  written: number;
  /** Called when `inflight` drops to 0, if set. */
  done: (() => void) | null;
}
