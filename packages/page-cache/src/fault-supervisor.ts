/**
 * The fault worker's supervisor: the thread `mmap` starts. It starts the fault server (a thread of
 * its own running the embedder's device code) and relays its start. If the server thread dies
 * while the mapping lives — an exception, `process.exit()`, running out of heap — no JS thread is
 * left to answer faults and the faulting thread (often the JS thread itself) would block forever.
 * So the supervisor takes over: it marks the frames the server had claimed as failed, wakes every
 * waiter (their faults are raised again) and answers every fault with `faultReadError` (SIGBUS, or
 * the opt-in zero page) until the mapping's userfaultfd closes.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { allocPages, createMemMap, destroyMemMap, pageToIova, PAGE_SIZE, type MemMap } from '@biopath/mm';
import { faultReadError, runFailClaimed } from './fault-error.ts';
import { UserfaultfdPeer } from './internal/native.ts';
import type { FaultServerInit, StartError } from './mmap-types.ts';

/** Answer every fault of the mapping as failed until its userfaultfd closes. */
function failFaults(init: FaultServerInit): void {
  let peer: UserfaultfdPeer;
  try {
    peer = new UserfaultfdPeer(init.uffdId);
  } catch {
    return;
  }
  let mem: MemMap | null = null;
  try {
    let zero = -1;
    try {
      mem = createMemMap({ nrPages: 2 });
      zero = pageToIova(mem, allocPages(mem, 0, { zero: true }));
    } catch {
      // no zero page: every fault gets SIGBUS
    }
    runFailClaimed(init, 0, init.nrPages);
    peer.wake(init.viewIova, init.nrPages * PAGE_SIZE);
    for (;;) {
      const evs = peer.waitDeferred(200, 64);
      if (evs === null) break;
      for (const ev of evs) {
        const k = Math.floor((ev.iova - init.viewIova) / PAGE_SIZE);
        if (k >= 0 && k < init.nrPages) faultReadError(peer, init, k, zero);
      }
    }
  } catch {
    // the userfaultfd closed under us: its waiters are released by the close
  } finally {
    peer.close();
    if (mem !== null) destroyMemMap(mem);
  }
}

function main(): void {
  const init = workerData as FaultServerInit;
  const server = new Worker(new URL('./fault-worker.mjs', import.meta.url), { workerData: { ...init, role: 'server' } });
  let started = false;
  let failure: StartError | null = null;
  server.on('message', (m: { ready?: boolean; failed?: StartError }) => {
    if (m.failed) failure = m.failed;
    if (m.ready) started = true;
    parentPort!.postMessage(m);
  });
  server.on('error', (e: Error) => {
    failure ??= { message: e.message, code: (e as { code?: string }).code ?? '' };
  });
  server.on('exit', (code) => {
    if (!started) {
      if (failure === null) parentPort!.postMessage({ failed: { message: `the fault server exited (${code}) before it was ready`, code: '' } });
      return;
    }
    failFaults(init);
  });
}

main();
