// Cost of one trip through biopath's ring with no device underneath: NOP SQEs prepared in TS,
// validated and submitted in one native call, CQEs reaped from shared memory. Batch 1 vs batch 32
// in the same tinybench run gives the fixed per-call cost and the per-SQE cost.
import { Bench } from 'tinybench';
import { IoUring, prepNop, prepRead, sqeSetData } from '@biopath/uring';
import { arenaCreate, arenaFree } from '@biopath/native';

const ring = new IoUring({ entries: 64 });
const a = arenaCreate(4096);

function trip(n: number, op: 'nop' | 'read-refused'): void {
  for (let i = 0; i < n; i++) {
    const s = ring.getSqe();
    if (op === 'nop') prepNop(ring, s);
    else prepRead(ring, s, -1, a.iova + 4096, 4096, 0); // refused by native (outside region): never reaches the kernel
    sqeSetData(ring, s, i);
  }
  ring.submitAndWait(n);
  ring.cqAdvance(ring.cqReady());
}

const bench = new Bench({ time: 500, warmupTime: 100 });
bench
  .add('NOP x1 per call', () => trip(1, 'nop'))
  .add('NOP x32 per call', () => trip(32, 'nop'))
  .add('refused READ x32 per call', () => trip(32, 'read-refused'));
await bench.run();
const per = (name: string, n: number): number => (bench.getTask(name)!.result as { latency: { mean: number } }).latency.mean * 1e6 / n;
console.table([
  { case: 'NOP x1 per call', 'ns per SQE': per('NOP x1 per call', 1).toFixed(0) },
  { case: 'NOP x32 per call', 'ns per SQE': per('NOP x32 per call', 32).toFixed(0) },
  { case: 'refused READ x32 per call', 'ns per SQE': per('refused READ x32 per call', 32).toFixed(0) },
]);
ring.close();
arenaFree(a.id);
