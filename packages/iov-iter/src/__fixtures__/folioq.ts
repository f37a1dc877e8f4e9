/** Test fixture (not exported by the package): folio_queue chains without real frames. */
import { createFolioQueue, folioqAppendSegment, PAGEVEC_SIZE, type FolioQueue } from '../folio-queue.ts';

/** A folio_queue chain whose slots hold folios of these orders (arbitrary pfns: position logic never looks). */
export function fakeFolioq(orders: number[]): FolioQueue {
  const head = createFolioQueue();
  let q = head;
  orders.forEach((o, k) => {
    if (q.vec.nr === PAGEVEC_SIZE) q = folioqAppendSegment(q);
    q.vec.folios[q.vec.nr] = 100 + k * 8;
    q.orders[q.vec.nr++] = o;
  });
  return head;
}
