// The README's main command (until biobench lands): a short O_DIRECT 4 KiB random-read
// benchmark through biopath's io_uring on a temporary image file it creates and removes itself.
// No device and no root needed.
import { createImage, removeImage } from '@biopath/testing';
import { runRandRead } from './randread.ts';

const SIZE = Number(process.env.BIOPATH_QUICK_MIB ?? 256) << 20;
const RUNTIME = Number(process.env.BIOPATH_QUICK_MS ?? 2000);

console.log(`biopath quick read benchmark: 4 KiB random O_DIRECT reads, temporary ${SIZE >> 20} MiB image, ${RUNTIME} ms per row`);
const img = createImage(SIZE);
try {
  const rows = [];
  for (const iodepth of [1, 32, 128]) {
    for (const fixed of [false, true]) {
      const r = runRandRead({ path: img, bs: 4096, iodepth, runtimeMs: RUNTIME, rampMs: 300, fixed });
      rows.push({
        qd: iodepth, buffers: fixed ? 'registered' : 'per-io', iops: Math.round(r.iops),
        'MiB/s': +(r.bwBytes / 2 ** 20).toFixed(1), 'p50 µs': +(r.latNs.p50 / 1e3).toFixed(1),
        'p99 µs': +(r.latNs.p99 / 1e3).toFixed(1), 'CPU µs/IO': +r.cpuUsPerIo.toFixed(2),
      });
    }
  }
  console.table(rows);
} finally {
  removeImage(img);
}
