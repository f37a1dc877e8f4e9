import { EIOCBQUEUED, Kiocb, bdevCreate, blkMqInitQueue, blkMqPoll, blkdevDirectIO } from '@biopath/block';
import { ITER_DEST, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import { MmStruct, createMemMap } from '@biopath/mm';
import { createTestNullDriver } from '../test/drivers/null-driver.ts';

const QD = Number(process.argv[2] ?? 32);
const profile = (process.argv[3] ?? 'merged') as 'merged';
const mem = createMemMap({ nrPages: 8192, profile });
const drv = createTestNullDriver({ queueDepth: QD, sizeBytes: 1 << 30 });
const q = blkMqInitQueue(drv.set, {}, mem);
const bdev = bdevCreate(q, 1 << 30);
const mm = new MmStruct(mem);
const buf = mm.mmap(QD * 4096);
mm.write(buf, new Uint8Array(QD * 4096));
let done = 0;
let inflight = 0;
const iters = Array.from({ length: QD }, () => createIovIter());
const iocbs = Array.from({ length: QD }, (_, i) => { const k = new Kiocb(); k.ki_bdev = bdev; k.ki_data = i; k.ki_complete = complete; return k; });
let seed = 1;
function submit(slot: number): void {
  seed = (seed * 1103515245 + 12345) >>> 0;
  const k = iocbs[slot];
  k.ki_pos = (seed % 262144) * 4096;
  iovIterUbuf(iters[slot], ITER_DEST, mm, buf + slot * 4096, 4096);
  const r = blkdevDirectIO(k, iters[slot]);
  if (r !== EIOCBQUEUED) throw new Error(`ret ${r}`);
  inflight++;
}
const free: number[] = [];
function complete(k: Kiocb, ret: number): void {
  if (ret !== 4096) throw new Error(`bad ret ${ret}`);
  done++; inflight--;
  free.push(k.ki_data as number);
}
for (let i = 0; i < QD; i++) submit(i);
const N = 2_000_000;
const t0 = performance.now();
while (done < N) {
  blkMqPoll(q);
  while (free.length) submit(free.pop()!);
}
const dt = performance.now() - t0;
console.log(`QD${QD} ${profile}: ${(done / dt * 1000 / 1e6).toFixed(3)} MIOPS`);
