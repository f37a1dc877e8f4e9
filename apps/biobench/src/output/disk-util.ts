/**
 * fio's `disk_util`: the block device under the target, from /sys/block/<disk>/stat before and
 * after a job (fio samples the same counters). A file's device is its filesystem's disk (a
 * partition counts as its disk, as fio reports it); the null driver and anything without a
 * /sys/block entry report nothing.
 * @fio diskutil.c update_io_ticks() / show_disk_util()
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** /sys/block/<disk>/stat fields fio reads (Documentation/block/stat.rst). */
export interface DiskStat {
  name: string;
  ios: [number, number];
  merges: [number, number];
  ticks: [number, number];
  ioTicks: number;
  inQueue: number;
}

/** The /sys/block directory of the disk holding `path` (a device node or a file), or null. */
export function sysBlockOf(path: string): string | null {
  try {
    const st = statSync(path);
    const dev = st.isBlockDevice() ? st.rdev : st.dev;
    const major = Math.floor(dev / 256) & 0xfff, minor = (dev & 0xff) | ((Math.floor(dev / 4096) & ~0xff) >>> 0);
    let dir = realpathSync(`/sys/dev/block/${major}:${minor}`);
    if (existsSync(join(dir, 'partition'))) dir = dirname(dir);
    return existsSync(join(dir, 'stat')) ? dir : null;
  } catch {
    return null;
  }
}

/** The counters now, or null when there is no stat file. */
export function readDiskStat(sysDir: string | null): DiskStat | null {
  if (!sysDir) return null;
  try {
    const f = readFileSync(join(sysDir, 'stat'), 'utf8').trim().split(/\s+/).map(Number);
    return { name: basename(sysDir), ios: [f[0]!, f[4]!], merges: [f[1]!, f[5]!], ticks: [f[3]!, f[7]!], ioTicks: f[9]!, inQueue: f[10]! };
  } catch {
    return null;
  }
}

/** What happened between two samples, over `ms` milliseconds. */
export interface DiskDelta {
  name: string;
  a: DiskStat;
  b: DiskStat;
  ms: number;
}

/** fio's disk_util entries, one per disk, summing the jobs' windows. */
export function diskUtilJson(deltas: DiskDelta[]): Record<string, unknown>[] {
  const by = new Map<string, { r: number; w: number; rm: number; wm: number; rt: number; wt: number; q: number; busy: number; ms: number }>();
  for (const d of deltas) {
    const s = by.get(d.name) ?? { r: 0, w: 0, rm: 0, wm: 0, rt: 0, wt: 0, q: 0, busy: 0, ms: 0 };
    s.r += d.b.ios[0] - d.a.ios[0];
    s.w += d.b.ios[1] - d.a.ios[1];
    s.rm += d.b.merges[0] - d.a.merges[0];
    s.wm += d.b.merges[1] - d.a.merges[1];
    s.rt += d.b.ticks[0] - d.a.ticks[0];
    s.wt += d.b.ticks[1] - d.a.ticks[1];
    s.q += d.b.inQueue - d.a.inQueue;
    s.busy += d.b.ioTicks - d.a.ioTicks;
    s.ms += d.ms;
    by.set(d.name, s);
  }
  return [...by].map(([name, s]) => ({
    name, read_ios: s.r, write_ios: s.w, read_merges: s.rm, write_merges: s.wm, read_ticks: s.rt, write_ticks: s.wt,
    in_queue: s.q, util: s.ms > 0 ? Math.min(100, (s.busy / s.ms) * 100) : 0,
  }));
}
