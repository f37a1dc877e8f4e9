/**
 * What a read that returned -EAGAIN waits for: a folio's lock (its read IO), or an mmap-run frame
 * the fault worker is filling. One module-level record: the synchronous core fills it, the async
 * loop consumes it right away.
 */
import type { AddressSpace } from './address-space.ts';
import { folioWaitLocked } from './folio-wait.ts';
import { runWaitFilled } from './mmap-run.ts';

export const WAIT_FOLIO = 0;
export const WAIT_RUN = 1;

export const readWait = { kind: WAIT_FOLIO, pfn: -1 };

/** Wait for what the last -EAGAIN named. */
export function waitForRead(as: AddressSpace): Promise<void> {
  const pfn = readWait.pfn;
  if (readWait.kind === WAIT_RUN) return runWaitFilled(as.pc, pfn);
  return folioWaitLocked(as.pc, pfn);
}
