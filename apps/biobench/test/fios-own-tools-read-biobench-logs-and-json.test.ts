/**
 * fio's logs as fio writes them, proven by fio's own readers: biobench (`--numjobs 2` on the null
 * driver, so two job numbers) writes write_bw/iops/lat/hist logs, and Debian fio's fio2gnuplot,
 * fiologparser.py, fiologparser_hist.py and fio-histo-log-pctiles.py read them, and fio-plot (PyPI, in the venv .ci/run
 * makes at .ci/venv) draws its log graph and its iodepth bar chart from biobench's logs and JSON.
 * Each tool must exit 0 and write its output. A size-based job makes the counts exact: each clone
 * reads each 4k block of its 1m region once, so every per-IO log has 256 lines per job number.
 * Missing tools skip here and fail under CI=true.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { probe } from '@biopath/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackAvailability } from '../src/engine/registry.ts';
import { biobench, scratch } from './helpers.ts';

const DOC = '/usr/share/doc/fio';
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const FIO_PLOT = fileURLToPath(new URL('../../../.ci/venv/bin/fio-plot', import.meta.url));
const inCi = process.env.CI === 'true' || process.env.CI === '1';

/** A Python tool fio ships gzipped in its doc directory, or why it cannot run. */
function docTool(name: string, modules: string[]): { ok: boolean; reason: string } {
  if (!existsSync(join(DOC, `${name}.gz`))) return need({ ok: false, reason: `${DOC}/${name}.gz is missing (Debian package fio)` });
  const r = spawnSync(PY, ['-c', modules.map((m) => `import ${m}`).join(';') || 'pass'], { encoding: 'utf8' });
  return need(r.status === 0 ? { ok: true, reason: '' } : { ok: false, reason: `${PY} lacks ${modules.join(', ')} (Debian python3-numpy, python3-pandas)` });
}

function need(r: { ok: boolean; reason: string }): { ok: boolean; reason: string } {
  if (!r.ok && inCi) throw new Error(`CI=true but ${r.reason}`);
  if (!r.ok) console.warn(`[biopath] skipping: ${r.reason}`);
  return r;
}

const avail = await stackAvailability();
const gnuplot = probe.command('fio2gnuplot');
const parser = docTool('fiologparser.py', []);
const hist = docTool('fiologparser_hist.py', ['numpy', 'pandas']);
const pctiles = docTool('fio-histo-log-pctiles.py', []);
const fioPlot = probe.command(FIO_PLOT);
const fio = probe.command('fio');

const s = scratch();
const perIo = join(s.dir, 'per-io'), windowed = join(s.dir, 'windowed');
const NAME = 'randread-iodepth-8-numjobs-2'; // fio-plot finds logs and JSON by this pattern

const read = (f: string): string[] => readFileSync(f, 'utf8').trim().split('\n');
const cols = (line: string): number[] => line.split(', ').map(Number);

function extract(name: string): string {
  const out = join(s.dir, name);
  writeFileSync(out, gunzipSync(readFileSync(join(DOC, `${name}.gz`))));
  return out;
}

beforeAll(async () => {
  if (!avail.ok) return;
  mkdirSync(perIo);
  mkdirSync(windowed);
  const job = ['--driver', 'null', '--rw', 'randread', '--bs', '4k', '--numjobs', '2', '--iodepth', '8', '--size', '1m']; // fio-plot reads rw, bs, iodepth and numjobs from "job options", which holds only what was set (as bench-fio sets them)
  const p = join(perIo, NAME);
  const a = await biobench(['run', ...job, '--runtime', '0', '--write-bw-log', p, '--write-iops-log', p, '--write-lat-log', p, '--write-hist-log', p, '--log-hist-msec', '100', '--output-format', 'json', '--output', `${p}.json`], { tmp: s.dir });
  expect(a.code, a.stderr).toBe(0);
  const w = join(windowed, NAME);
  const b = await biobench(['run', ...job, '--runtime', '1', '--ramp-time', '0', '--log-avg-msec', '100', '--group-reporting', '--write-bw-log', w, '--write-iops-log', w, '--write-lat-log', w, '--output-format', 'json', '--output', `${w}.json`], { tmp: s.dir });
  expect(b.code, b.stderr).toBe(0);
}, 120_000);
afterAll(() => s.cleanup());

describe.skipIf(!avail.ok)('fio\'s logs from biobench', () => {
  it('are named NAME_{bw,iops,lat,clat,slat,clat_hist}.N.log per job number, one line per IO in fio\'s columns', () => {
    const files = readdirSync(perIo).filter((f) => f.endsWith('.log')).sort();
    expect(files).toEqual(['bw', 'clat', 'clat_hist', 'iops', 'lat', 'slat'].flatMap((k) => [1, 2].map((n) => `${NAME}_${k}.${n}.log`)).sort());
    for (const n of [1, 2]) {
      const [lat, clat, slat, iops] = ['lat', 'clat', 'slat', 'iops'].map((k) => read(join(perIo, `${NAME}_${k}.${n}.log`)).map(cols));
      expect(lat).toHaveLength(256);
      lat!.forEach((l, i) => {
        expect(l).toHaveLength(5); // time, value, direction, bs, priority
        expect([l[2], l[3], l[4]]).toEqual([0, 4096, 0]);
        expect(Math.abs(l[1]! - clat![i]![1]! - slat![i]![1]!)).toBeLessThanOrEqual(1); // lat = slat + clat, each rounded
      });
      expect(iops!.every((l) => l[1] === 1)).toBe(true);
      const h = read(join(perIo, `${NAME}_clat_hist.${n}.log`)).map(cols);
      for (const l of h) expect(l).toHaveLength(3 + 1856); // time, direction, bs, fio's 29 x 64 bins
      expect(h.reduce((a, l) => a + l.slice(3).reduce((x, y) => x + y, 0), 0)).toBe(256);
    }
  });

  it.skipIf(!gnuplot.ok)('fio2gnuplot turns the bandwidth and IOPS logs into gnuplot input', () => {
    for (const [flag, kind] of [['-b', 'bw'], ['-i', 'iops']] as const) {
      const out = join(s.dir, `gnuplot-${kind}`);
      const r = spawnSync('fio2gnuplot', [flag, '-d', out], { cwd: perIo, encoding: 'utf8' });
      expect(r.status, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toContain(`${NAME}_${kind}.1.log`);
      expect(r.stdout).toContain(`${NAME}_${kind}.2.log`);
      expect(readdirSync(out)).toEqual(expect.arrayContaining(['gnuplot_temp_file.0', 'gnuplot_temp_file.1', 'result.global', 'mygraph']));
      expect(read(join(out, 'result.global'))[0]).toMatch(/^min=\d/);
    }
  });

  it.skipIf(!parser.ok || !fio.ok)('fiologparser.py reads the latency logs as it reads fio\'s own', () => {
    const tool = extract('fiologparser.py');
    // fio's own log of a small job, to learn what this copy of the script can read
    const own = join(s.dir, 'fio-own');
    mkdirSync(own);
    execFileSync('fio', ['--name=own', `--filename=${join(own, 'img')}`, '--size=256k', '--rw=read', '--bs=4k', '--ioengine=psync', `--write_lat_log=${join(own, 'own')}`, '--output-format=terse'], { stdio: 'ignore' });
    const onFio = spawnSync(PY, [tool, join(own, 'own_clat.1.log')], { encoding: 'utf8' });
    const ours = [1, 2].map((n) => join(perIo, `${NAME}_clat.${n}.log`));
    const onOurs = spawnSync(PY, [tool, ...ours], { encoding: 'utf8' });
    expect(onOurs.status).toBe(onFio.status);
    if (onFio.status !== 0) {
      // Debian's copy (fio 3.33) unpacks 4 columns, but fio writes 5 (the priority column): it
      // fails on fio's own log exactly as on ours. Upstream's reads the first two: do the same.
      expect(onFio.stderr).toMatch(/too many values to unpack/);
      expect(onOurs.stderr).toMatch(/too many values to unpack/);
      const fixed = join(s.dir, 'fiologparser-upstream.py');
      const src = readFileSync(tool, 'utf8');
      expect(src).toContain("(time, value, foo, bar) = line.rstrip('\\r\\n').rsplit(', ')");
      writeFileSync(fixed, src.replace("(time, value, foo, bar) = line.rstrip('\\r\\n').rsplit(', ')", "(time, value) = line.rstrip('\\r\\n').rsplit(', ')[:2]"));
      const r = spawnSync(PY, [fixed, ...ours], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n').length).toBeGreaterThan(0);
      return;
    }
    expect(onOurs.stdout.trim().split('\n').length).toBeGreaterThan(0);
  });

  it.skipIf(!hist.ok)('fiologparser_hist.py reads the histogram logs: every IO of both jobs counted once', () => {
    const tool = extract('fiologparser_hist.py');
    const r = spawnSync(PY, [tool, ...[1, 2].map((n) => join(perIo, `${NAME}_clat_hist.${n}.log`))], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trim().split('\n');
    expect(head).toMatch(/^end-time, samples, min, avg, median, 90%, 95%, 99%, max/);
    expect(rows.reduce((a, l) => a + Number(l.split(', ')[1]), 0)).toBe(512);
  });

  it.skipIf(!pctiles.ok)('fio-histo-log-pctiles.py reads the histogram logs: percentiles over all 512 IOs', () => {
    const tool = extract('fio-histo-log-pctiles.py');
    const r = spawnSync(PY, [tool, ...[1, 2].map((n) => join(perIo, `${NAME}_clat_hist.${n}.log`))], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').filter((l) => /^\s*\d+,/.test(l)).map((l) => l.split(',').map((x) => Number(x.trim())));
    expect(rows.reduce((a, l) => a + l[1]!, 0)).toBe(512);
    for (const l of rows) expect(l[2]!).toBeLessThanOrEqual(l[3]!); // min <= median
  });

  it.skipIf(!fioPlot.ok)('fio-plot draws the log graph from the logs and the iodepth chart from the JSON', () => {
    const png = (f: string): void => {
      expect(readFileSync(f).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    };
    const g = spawnSync(FIO_PLOT, ['-i', windowed, '-T', 'biobench', '-g', '-t', 'lat', 'iops', 'bw', '-r', 'randread', '-d', '8', '-n', '2', '-o', join(s.dir, 'g.png')], { encoding: 'utf8', cwd: s.dir });
    expect(g.status, g.stderr + g.stdout).toBe(0);
    png(join(s.dir, 'g.png'));
    const l = spawnSync(FIO_PLOT, ['-i', windowed, '-T', 'biobench', '-l', '-r', 'randread', '-d', '8', '-n', '2', '-o', join(s.dir, 'l.png')], { encoding: 'utf8', cwd: s.dir });
    expect(l.status, l.stderr + l.stdout).toBe(0);
    png(join(s.dir, 'l.png'));
  });
});
