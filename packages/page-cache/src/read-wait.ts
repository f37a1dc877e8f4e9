/**
 * What a read that returned -EAGAIN waits for: a folio's lock (its read IO), or a fill its
 * mapping's `a_ops.isFilling` reported (an mmap-run frame the fault worker is filling). One
 * module-level record: the synchronous core fills it, the async loop consumes it right away.
 */
import type { AddressSpace } from './address-space.ts';
import { folioWaitLocked } from './folio-wait.ts';

export const WAIT_FOLIO = 0;
export const WAIT_FILL = 1;

export const readWait = { kind: WAIT_FOLIO, pfn: -1 };

/** Wait for what the last -EAGAIN named. */
export function waitForRead(as: AddressSpace): Promise<void> {
  const pfn = readWait.pfn;
  if (readWait.kind === WAIT_FILL) return as.a_ops.waitFilled(as, pfn);
  return folioWaitLocked(as.pc, pfn);
}
