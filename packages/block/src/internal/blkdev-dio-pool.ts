/**
 * `struct blkdev_dio`: the state shared by the bios of one direct I/O (the kernel embeds it in the
 * first bio; here a pooled object referenced from `bi_private`).
 * @kernel block/fops.c struct blkdev_dio
 */
import type { Kiocb } from '../kiocb.ts';

export const DIO_SHOULD_DIRTY = 1;
export const DIO_IS_SYNC = 2;

export class BlkdevDio {
  iocb: Kiocb | null = null;
  flags = 0;
  /** Bytes submitted. */
  size = 0;
  /** Bios not yet completed (+1 while still submitting). */
  ref = 0;
  /** First non-zero status of any bio. */
  status = 0;
  /** Sync waiter still waiting. */
  waiting = false;
  next: BlkdevDio | null = null;
}

let free: BlkdevDio | null = null;

export function dioAlloc(): BlkdevDio {
  const d = free;
  if (d === null) return new BlkdevDio();
  free = d.next;
  d.next = null;
  return d;
}

export function dioFree(d: BlkdevDio): void {
  d.iocb = null;
  d.flags = 0;
  d.size = 0;
  d.ref = 0;
  d.status = 0;
  d.waiting = false;
  d.next = free;
  free = d;
}
