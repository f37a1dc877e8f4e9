/**
 * `--output-format normal`: fio's text layout per job (IOPS/BW line, slat/clat/lat, clat
 * percentiles, cpu) with biobench's lines (engine, strategy, pages, verify), and for a sweep a
 * table comparing the jobs.
 */
import { ddirName } from '../stats/io-stats.ts';
import type { JobResult } from '../job/run-job.ts';
import type { DirStats } from '../stats/io-stats.ts';
import { FIO_PERCENTILES } from '../stats/plat-histogram.ts';
import { describeTarget } from '../job-target/target.ts';
import { errnoName } from '@biopath/native';
import { errorCode, jobOptionsEcho } from './fio-json.ts';
import { bytesIec, bytesSi, fixed, kilo, latUnit, renderTable } from './format.ts';

function latLine(label: string, s: DirStats['clat'], unitOf: number): string {
  const u = latUnit(unitOf);
  const v = (x: number): string => (x / u.div >= 1000 ? kilo(Math.round(x / u.div)) : fixed(x / u.div, x / u.div < 100 ? 2 : 0));
  return `    ${label} (${u.name}): min=${v(s.min)}, max=${v(s.max)}, avg=${v(s.mean)}, stdev=${v(s.stddev())}`;
}

function percentileLines(s: DirStats): string[] {
  const vals = s.clatHist.percentiles();
  const u = latUnit(s.clatHist.percentiles([50])[0]!); // the median reads as 2-4 digits
  const cells = FIO_PERCENTILES.map((p, i) => `${p.toFixed(2).padStart(6)}th=[${String(Math.round(vals[i]! / u.div)).padStart(5)}]`);
  const out = [`    clat percentiles (${u.name}):`];
  for (let i = 0; i < cells.length; i += 4) out.push(`     | ${cells.slice(i, i + 4).join(', ')}${i + 4 < cells.length ? ',' : ''}`);
  return out;
}

function dirBlock(name: string, s: DirStats, ms: number): string[] {
  if (s.ios === 0) return [];
  const bw = s.bytes / (ms / 1000);
  const out = [`  ${name}: IOPS=${kilo(s.ios / (ms / 1000))}, BW=${bytesIec(bw)}/s (${bytesSi(bw)}/s)(${bytesIec(s.bytes)}/${Math.round(ms)}msec)`];
  out.push(latLine('slat', s.slat, s.slat.mean), latLine('clat', s.clat, s.clat.mean), latLine(' lat', s.lat, s.lat.mean));
  return [...out, ...percentileLines(s)];
}

export function jobText(r: JobResult): string {
  const e = r.engine;
  const ios = r.dirs[0].ios + r.dirs[1].ios + r.dirs[2].ios;
  const echo = jobOptionsEcho(r);
  const lines = [
    `${r.job.name}: (groupid=${r.groupid}, jobs=${r.clones}, engine=${e.engine}, strategy=${e.strategy}, release=${e.release}, buffers=${e.buffers}, driver=${e.driver}${e.profile ? `, profile=${e.profile}` : ''}): ${errText(r)}`,
    `  job: rw=${echo.rw}${echo.rw?.includes('rw') || echo.rw === 'readwrite' ? ` rwmixread=${echo.rwmixread}` : ''} bs=${echo.bs} iodepth=${echo.iodepth} direct=${echo.direct} runtime=${echo.runtime}${r.job.ramp_time ? ` ramp_time=${echo.ramp_time}` : ''}`,
    `  target: ${describeTarget(r.target)} (${bytesIec(r.region.size)} region at ${r.region.start})`,
    ...dirBlock('read', r.dirs[0], r.elapsedMs),
    ...dirBlock('write', r.dirs[1], r.elapsedMs),
    ...dirBlock('trim', r.dirs[2], r.elapsedMs),
    `  cpu          : usr=${fixed(pct(r.cpu.userUs, r.elapsedMs))}%, sys=${fixed(pct(r.cpu.systemUs, r.elapsedMs))}%, ctx=${r.ctx}, majf=${r.majf}, minf=${r.minf}, ${fixed(ios ? (r.cpu.userUs + r.cpu.systemUs) / ios : 0)} µs/IO`,
    pagesLine(r),
    ...cacheLines(r),
  ];
  if (r.verify) lines.push(`  verify       : crc32c, ${r.verify.units_written} blocks written, ${r.verify.units_verified} checked, ${r.verify.mismatches} bad`);
  for (const n of e.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** fio's `err=`: the errno and, when there is one, what failed (`err=84 (EILSEQ: verify: ...)`). */
export function errText(r: JobResult): string {
  const code = errorCode(r);
  if (code === 0) return 'err= 0';
  const e = r.error;
  const what = e
    ? `${ddirName(e.ddir)} of ${e.len} bytes at offset ${e.offset} ${e.res < 0 ? 'failed' : `was short (${e.res} bytes)`}`
    : `verify: ${r.verify!.mismatches} bad block(s) of ${r.verify!.units_verified} checked; first at offset ${r.verify!.first_mismatches[0]?.offset ?? '?'}: ${r.verify!.first_mismatches[0]?.reason ?? ''}`;
  return `err=${String(code).padStart(2)} (${errnoName(-code)}: ${what})`;
}

const pct = (us: number, ms: number): number => (ms > 0 ? (us / 1000 / ms) * 100 : 0);

function pagesLine(r: JobResult): string {
  const c = r.counters;
  if (!c.applicable) return '  pages        : taken by the kernel (raw io_uring): no biopath pins or refs';
  const ok = c.pins_acquired === c.pins_released && c.refs_taken === c.refs_released;
  return `  pages        : pins ${c.pins_acquired} acquired / ${c.pins_released} released, refs ${c.refs_taken} taken / ${c.refs_released} released${ok ? ' (balanced)' : ' (NOT balanced)'}`;
}

/** Buffered stack jobs: what biopath's page cache did. */
function cacheLines(r: JobResult): string[] {
  const c = r.cache;
  if (!c) return [];
  const pages = c.hits + c.misses;
  const k = c.reclaim_skipped;
  return [
    `  page cache   : ${bytesIec(c.capacity_bytes)}, readahead ${c.readahead_kb ? `${c.readahead_kb} KiB` : 'off'}; hits=${c.hits}, misses=${c.misses} (${fixed(pages ? (100 * c.hits) / pages : 0)}% hit), ${c.ios_inline} reads served inline`,
    `    read       : ${c.pages_read} pages from the device, ${c.readahead_pages} read ahead (windows: ${c.readahead_sync} sync, ${c.readahead_async} async)`,
    `    writeback  : ${c.writeback_pages} pages in ${c.writeback_reqs} requests, ${c.flushes} flushes, ${c.fsyncs} fsyncs${c.end_fsync_ms ? ` (end fsync ${fixed(c.end_fsync_ms)} ms)` : ''}, ${c.dirty_throttled} writers throttled`,
    `    reclaim    : ${c.reclaimed} of ${c.reclaim_scanned} scanned freed; kept pinned=${k.pinned}, locked=${k.locked}, writeback=${k.writeback}, dirty=${k.dirty}, mapped=${k.mapped}, busy=${k.busy}; direct scans=${c.direct_reclaim_scanned}, alloc failures=${c.alloc_failures}`,
  ];
}

/** Header and rows comparing jobs of a sweep (or one job), for text or Markdown. */
export function summaryRows(results: JobResult[], axes: string[]): { header: string[]; rows: string[][] } {
  const header = [...axes, ...(axes.includes('strategy') ? [] : ['strategy']), 'IOPS', 'MiB/s', 'p50 µs', 'p99 µs', 'CPU µs/IO', 'pins acq/rel', 'refs get/put'];
  const rows = results.map((r) => {
    const echo = jobOptionsEcho(r);
    const d = r.dirs.reduce((a, b) => (b.ios > a.ios ? b : a));
    const ios = r.dirs[0].ios + r.dirs[1].ios + r.dirs[2].ios, sec = r.elapsedMs / 1000;
    const [p50, p99] = d.clatHist.percentiles([50, 99]);
    const c = r.counters;
    return [
      ...axes.map((a) => echo[a] ?? ''), ...(axes.includes('strategy') ? [] : [r.engine.strategy]), kilo(ios / sec), fixed((r.dirs[0].bytes + r.dirs[1].bytes + r.dirs[2].bytes) / sec / 2 ** 20, 1),
      fixed(p50! / 1e3, 1), fixed(p99! / 1e3, 1), fixed(ios ? (r.cpu.userUs + r.cpu.systemUs) / ios : 0),
      c.applicable ? `${c.pins_acquired}/${c.pins_released}` : '-', c.applicable ? `${c.refs_taken}/${c.refs_released}` : '-',
    ];
  });
  return { header, rows };
}

export function summaryTable(results: JobResult[], axes: string[], markdown = false): string {
  const { header, rows } = summaryRows(results, axes);
  return renderTable(header, rows, markdown);
}
