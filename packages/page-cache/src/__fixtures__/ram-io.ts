/**
 * A RAM disk behind the CacheIo boundary, for colocated unit tests: requests complete on a later
 * macrotask (or when the test says), writes and reads can be made to fail, every request is logged.
 */
import { PAGE_SIZE, type MemMap } from '@biopath/mm';
import { CACHE_IO_FLUSH, CACHE_IO_READ, type CacheIo, type CacheIoReq } from '../cache-io.ts';

export interface RamIo extends CacheIo {
  readonly disk: Uint8Array;
  /** [op, pos, nr] per submitted request. */
  readonly log: Array<[number, number, number]>;
  /** Requests submitted with `fua`. */
  nrFua: number;
  failReads: boolean;
  failWrites: boolean;
  /** 'auto': complete on the next macrotask; 'manual': only when `complete()` is called. */
  mode: 'auto' | 'manual';
  readonly queue: CacheIoReq[];
  /** Complete every queued request; returns how many. */
  complete(): number;
}

export function createRamIo(mem: MemMap, sizeBytes: number, opts: { maxPages?: number; writeCache?: boolean } = {}): RamIo {
  const disk = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 4) disk[i] = (i >>> 12) & 0xff;
  let scheduled = false;
  const io: RamIo = {
    sizeBytes, logicalBlockSize: 512, maxPages: opts.maxPages ?? 32, writeCache: opts.writeCache ?? true,
    freeReqs: null, disk, log: [], nrFua: 0, failReads: false, failWrites: false, mode: 'auto', queue: [],
    submit(req) {
      io.log.push([req.op, req.pos, req.nr]);
      if (req.fua) io.nrFua++;
      io.queue.push(req);
    },
    unplug() {
      if (io.mode !== 'auto' || scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        io.complete();
      });
    },
    complete() {
      let n = 0;
      while (io.queue.length) {
        const req = io.queue.shift()!;
        finish(io, mem, req);
        n++;
      }
      return n;
    },
    close() { /* nothing held */ },
  };
  return io;
}

function finish(io: RamIo, mem: MemMap, req: CacheIoReq): void {
  let status = 0;
  if (req.op === CACHE_IO_READ) {
    if (io.failReads) status = -5;
    else for (let i = 0; i < req.nr; i++) mem.bytes.set(io.disk.subarray(req.pos + i * PAGE_SIZE, req.pos + (i + 1) * PAGE_SIZE), req.pfns[i]! * PAGE_SIZE);
  } else if (req.op !== CACHE_IO_FLUSH) {
    if (io.failWrites) status = -5;
    else for (let i = 0; i < req.nr; i++) io.disk.set(mem.bytes.subarray(req.pfns[i]! * PAGE_SIZE, (req.pfns[i]! + 1) * PAGE_SIZE), req.pos + i * PAGE_SIZE);
  }
  req.end!(req, status);
}
