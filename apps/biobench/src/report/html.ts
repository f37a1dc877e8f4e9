/**
 * The report page: one self-contained HTML file (inline SVG plots, each linked to its PNG),
 * a results table per job, the A/B verdicts and the biobench-vs-fio ratios.
 */
import type { ReportModel } from './model.ts';

export interface Figure {
  name: string;
  title: string;
  svg: string;
  png: string;
}

const esc = (s: unknown): string => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const n = (x: number, d = 1): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

function table(header: string[], rows: unknown[][]): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function jobsSection(m: ReportModel): string {
  const rows = m.jobs.map((j) => [j.label, j.params, j.engine, j.strategy, Math.round(j.metrics.iops), n(j.metrics.bw_bytes / 2 ** 20), n(j.metrics.clat_p50_us), n(j.metrics.clat_p99_us), n(j.metrics.lat_mean_us), n(j.metrics.cpu_us_per_io, 2), j.pages]);
  return `<h2>Jobs</h2>${table(['job', 'parameters', 'engine', 'strategy', 'IOPS', 'MiB/s', 'clat p50 µs', 'clat p99 µs', 'lat mean µs', 'CPU µs/IO', 'pages (taken/given back)'], rows)}`;
}

function abSection(m: ReportModel): string {
  return m.ab.map((ab) => {
    const v = (x: any, y: number): number => (x.unit === 'MiB/s' ? y / 2 ** 20 : y); // bandwidth is kept in B/s
    const rows = (ab.metrics as any[]).map((x) => [x.label, x.unit || 'IO/s', n(v(x, x.a.mean), 2), n(v(x, x.b.mean), 2), `${n(x.change_pct)}%`, `[${n(x.ci_pct[0])}%, ${n(x.ci_pct[1])}%]`, x.verdict]);
    const noise = ab.noise?.noisy ? `<p class="warn">Noisy machine: ${esc(ab.noise.reasons.join('; '))}</p>` : '<p>Machine quiet enough for this comparison.</p>';
    return `<h2>A/B: ${esc(ab.verdict)}</h2><p>A: <code>${esc(ab.a)}</code> · B: <code>${esc(ab.b)}</code> · ${ab.design === 'blocks' && (ab.processes ?? 1) > 1 ? `${ab.groups} groups of blocks (ABBA/BAAB) in ${ab.processes} processes · ${Math.round(ab.confidence * 100)}% two-level intervals (random effects over processes)` : ab.design === 'blocks' ? `${ab.groups} groups of blocks in one process (ABBA/BAAB) · ${Math.round(ab.confidence * 100)}% always-valid intervals (confidence sequence)` : `${ab.pairs} pairs of whole runs, order ${ab.order} · ${Math.round(ab.confidence * 100)}% intervals (wider of paired bootstrap and Student t on log-ratios)`}</p>${table(['metric', 'unit', 'A mean', 'B mean', 'A vs B', 'interval', 'verdict'], rows)}${noise}`;
  }).join('');
}

function compareSection(m: ReportModel): string {
  return m.compare.map((c) => {
    const med = (xs: any[], k: string): number => [...xs.map((x) => x[k])].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const rows = (c.rows as any[]).map((r) => [r.strategy, r.options.bs, r.options.iodepth, n(med(r.biobench, 'iops') / med(r.fio, 'iops'), 3), Math.round(med(r.biobench, 'iops')), Math.round(med(r.fio, 'iops')), `${n(med(r.biobench, 'cpu_us_per_io'), 2)} / ${n(med(r.fio, 'cpu_us_per_io'), 2)}`]);
    return `<h2>biobench vs ${esc(c.fio_version)}</h2>${table(['strategy', 'bs', 'iodepth', 'IOPS ratio', 'biobench IOPS', 'fio IOPS', 'CPU µs/IO (b/f)'], rows)}`;
  }).join('');
}

export function reportHtml(m: ReportModel, figures: Figure[]): string {
  const figs = figures.map((f) => `<figure><a href="${esc(f.png)}">${f.svg}</a><figcaption>${esc(f.title)} — <a href="${esc(f.png)}">${esc(f.png)}</a></figcaption></figure>`).join('\n');
  const host = m.host ? `<p class="meta">${esc(m.host.command ?? '')} · kernel ${esc(m.host.kernel ?? '?')} · ${esc(m.host.cpus ?? '?')} CPUs · Node ${esc(m.host.node ?? '?')} · from ${m.files.map(esc).join(', ')}</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>biobench report</title>
<style>
body{font-family:'DejaVu Sans',system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}figure{margin:1.5em 0}svg{max-width:100%;height:auto}
.meta{color:#666;font-size:13px}.warn{color:#a40;font-weight:bold}code{background:#f5f5f5;padding:1px 4px}
</style></head><body>
<h1>biobench report</h1>${host}
${abSection(m)}${compareSection(m)}${jobsSection(m)}
<h2>Plots</h2>
${figs}
</body></html>
`;
}
