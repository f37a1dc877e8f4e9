/**
 * The same job file run by fio (io_uring engine) and by `biobench run` on the same file: every field
 * of fio's JSON document is in biobench's, at the same path, with the same JSON type; "job options"
 * and "global options" are equal (fio's names, string values, only what the file set); the fixed key
 * sets (percentiles, iodepth buckets, latency buckets, disk_util entries) are equal. Differences
 * allowed: biobench's own `biobench` blocks (extra keys), and the values of measurements.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probe } from '@biopath/testing';
import { inProcess, scratch } from './helpers.ts';

const fio = probe.command('fio');
const s = scratch();
const img = join(s.dir, 'cmp.img');
const jobFile = join(s.dir, 'cmp.fio');

beforeAll(() => {
  writeFileSync(img, Buffer.alloc(4 << 20, 0x5a)); // data, not holes: direct reads reach the disk
  writeFileSync(jobFile, [
    '[global]', 'ioengine=io_uring', 'direct=1', `filename=${img}`, 'size=2m', 'runtime=300ms', 'time_based', '',
    '[cmp]', 'rw=randread', 'bs=4k', 'iodepth=8',
  ].join('\n'));
});
afterAll(() => s.cleanup());

type J = Record<string, unknown>;

/** Paths of fio's document missing from ours or of another JSON type there. */
function differences(theirs: unknown, ours: unknown, path: string, out: string[]): string[] {
  const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(theirs) !== kind(ours)) {
    out.push(`${path}: fio ${kind(theirs)}, biobench ${kind(ours)}`);
    return out;
  }
  if (Array.isArray(theirs)) theirs.forEach((v, i) => i < (ours as unknown[]).length ? differences(v, (ours as unknown[])[i], `${path}[${i}]`, out) : out.push(`${path}[${i}]: missing`));
  else if (kind(theirs) === 'object') {
    for (const [k, v] of Object.entries(theirs as J)) {
      if (!(k in (ours as J))) out.push(`${path}/${k}: missing`);
      else differences(v, (ours as J)[k], `${path}/${k}`, out);
    }
  }
  return out;
}

describe.skipIf(!fio.ok)('biobench\'s JSON next to fio\'s for the same job file', () => {
  it('has every field fio writes, with fio\'s types, options and key sets', async () => {
    const f = spawnSync('fio', ['--output-format=json', jobFile], { encoding: 'utf8' });
    expect(f.status, f.stderr).toBe(0);
    const theirs = JSON.parse(f.stdout.slice(f.stdout.indexOf('{'))) as J;
    const r = await inProcess(['run', jobFile, '--output-format', 'json', '--allow-destructive'], s.dir);
    expect(r.code, r.stderr).toBe(0);
    const ours = JSON.parse(r.stdout) as J;

    const { disk_util: theirDisks, ...theirRest } = theirs;
    expect(differences(theirRest, ours, '', [])).toEqual([]);
    const [tj, oj] = [(theirs.jobs as J[])[0]!, (ours.jobs as J[])[0]!];
    expect(ours['global options']).toEqual(theirs['global options']);
    expect(oj['job options']).toEqual(tj['job options']);
    expect(oj.jobname).toBe(tj.jobname);
    for (const k of ['iodepth_level', 'iodepth_submit', 'iodepth_complete', 'latency_ns', 'latency_us', 'latency_ms']) {
      expect(Object.keys(oj[k] as J), k).toEqual(Object.keys(tj[k] as J));
    }
    const pct = (j: J): string[] => Object.keys(((j.read as J).clat_ns as J).percentile as J);
    expect(pct(oj)).toEqual(pct(tj));
    expect(ours.time).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/); // ctime(), as fio
    expect(String(ours.time).length).toBe(String(theirs.time).length);
    // the file's disk, from /sys/block/*/stat; fio adds a dm/md device's slaves (and aggr_* fields), biobench does not
    const mine = ours.disk_util as J[];
    expect(mine.length).toBe(Math.min(1, (theirDisks as J[]).length));
    for (const e of mine) {
      const peer = (theirDisks as J[]).find((t) => t.name === e.name)!;
      expect(peer, String(e.name)).toBeDefined();
      expect(differences(Object.fromEntries(Object.entries(peer).filter(([k]) => !k.startsWith('aggr_'))), e, `/disk_util/${String(e.name)}`, [])).toEqual([]);
      expect(e.read_ios).toBeGreaterThan(0);
    }
    // slat ends when the submit returns, as fio's: never longer than the whole latency
    const rd = oj.read as { slat_ns: { N: number; mean: number }; lat_ns: { mean: number }; total_ios: number };
    expect(rd.slat_ns.N).toBe(rd.total_ios);
    expect(rd.slat_ns.mean).toBeLessThan(rd.lat_ns.mean);
    expect(Object.values(oj.iodepth_submit as J).reduce((a: number, b) => a + Number(b), 0)).toBeCloseTo(100, 6);
  });
});
