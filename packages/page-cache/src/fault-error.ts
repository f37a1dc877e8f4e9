/**
 * How a fault whose page cannot be read is answered, shared by the fault server and the
 * supervisor that takes over when the server dies. Never leaves the faulting thread blocked.
 *
 * - `sigbus` (default, as Linux): UFFDIO_POISON the view page, so the access raises SIGBUS.
 * - `zero` (opt-in): the page reads as zeroes. A shared view maps the (zeroed, not uptodate)
 *   cache frame write-protected; a private one gets a zero copy. The frame stays not uptodate and
 *   is never dirtied or written back, so writes through it are discarded; msync reports EIO.
 * If the chosen answer fails (no UFFDIO_POISON, frame memory gone), the other one is tried; if both
 * fail the waiters are woken, so they fault again rather than wait forever.
 * @kernel mm/filemap.c filemap_fault() (VM_FAULT_SIGBUS after a failed read), mm/userfaultfd.c mfill_atomic_poison()
 */
import { PAGE_SIZE } from '@biopath/mm';
import { arenaCopy, UFFDIO_CONTINUE_MODE_WP, type UserfaultfdPeer } from './internal/native.ts';
import { RUN_ERROR, RUN_NONE, RUN_READING, RUN_STATE_MASK, RUN_UPTODATE } from './mmap-run.ts';
import type { FaultServerInit } from './mmap-types.ts';

const isEexist = (e: unknown): boolean => (e as { code?: string }).code === 'EEXIST';

/**
 * Zero run frame `k` unless it became uptodate meanwhile (then its data is mapped as is). Holds
 * the frame READING while it writes, so the main thread never copies good data into it at once.
 * Throws when the frame's memory is gone (the state is left NONE | ERROR).
 */
function zeroRunFrame(init: FaultServerInit, k: number, zeroIova: number): void {
  const st = init.state;
  for (let tries = 0; tries < 2000; tries++) {
    const s = Atomics.load(st, k);
    if ((s & RUN_STATE_MASK) === RUN_UPTODATE) return;
    if ((s & RUN_STATE_MASK) === RUN_NONE) {
      if (Atomics.compareExchange(st, k, s, (s & ~RUN_STATE_MASK) | RUN_READING) !== s) continue;
      try {
        arenaCopy(init.framesIova + k * PAGE_SIZE, zeroIova, PAGE_SIZE);
      } finally {
        Atomics.store(st, k, RUN_NONE | RUN_ERROR);
        Atomics.notify(st, k);
      }
      return;
    }
    Atomics.wait(st, k, s, 5);
  }
  throw new Error(`run frame ${k} stayed busy`);
}

function mapZero(peer: UserfaultfdPeer, init: FaultServerInit, k: number, zeroIova: number): void {
  const at = init.viewIova + k * PAGE_SIZE;
  if (!init.shared) {
    peer.copy(at, zeroIova, PAGE_SIZE);
    return;
  }
  zeroRunFrame(init, k, zeroIova);
  peer.continue(at, PAGE_SIZE, init.wp ? UFFDIO_CONTINUE_MODE_WP : 0);
}

/**
 * Answer a fault on view page `k` whose read failed (its frame is NONE | ERROR, not uptodate):
 * SIGBUS or a zero page, per `init.readError`. `zeroIova`: a zeroed arena page (-1: none, so only
 * SIGBUS is possible). Returns how it was answered: 'sigbus', 'zero' or 'woken'. Never throws.
 */
export function faultReadError(peer: UserfaultfdPeer, init: FaultServerInit, k: number, zeroIova: number): 'sigbus' | 'zero' | 'woken' {
  const at = init.viewIova + k * PAGE_SIZE;
  const poison = (): void => void peer.poison(at, PAGE_SIZE);
  const zero = (): void => mapZero(peer, init, k, zeroIova);
  const order: Array<['sigbus' | 'zero', () => void]> = init.readError === 'zero' ? [['zero', zero], ['sigbus', poison]] : [['sigbus', poison], ['zero', zero]];
  for (const [how, answer] of order) {
    if (how === 'zero' && zeroIova < 0) continue;
    try {
      answer();
      return how;
    } catch (e) {
      if (isEexist(e)) break;
    }
  }
  try {
    peer.wake(at, PAGE_SIZE);
  } catch {
    // the userfaultfd is closing: its waiters are released by the close
  }
  return 'woken';
}

/** Mark run frames [k, k + n) still READING as failed: NONE | ERROR (not uptodate). */
export function runFailClaimed(init: FaultServerInit, k: number, n: number): void {
  for (let j = k; j < k + n; j++) {
    if ((Atomics.load(init.state, j) & RUN_STATE_MASK) !== RUN_READING) continue;
    Atomics.store(init.state, j, RUN_NONE | RUN_ERROR);
    Atomics.notify(init.state, j);
  }
}
