/**
 * Number formatting for people (fio's style: 23.3k IOPS, 91.1MiB/s, 350msec) and a plain
 * column-aligned table.
 */

/** 23314 → `23.3k`, 1_250_000 → `1250k`, 999 → `999`. */
export function kilo(n: number): string {
  if (n < 1000) return n < 10 && n % 1 ? n.toFixed(2) : String(Math.round(n));
  if (n < 100_000) return `${(n / 1000).toFixed(1)}k`;
  return `${Math.round(n / 1000)}k`;
}

/** Bytes (or bytes per second) with a binary unit: `91.1MiB`. */
export function bytesIec(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n >= 100 || i === 0 || Number.isInteger(n) ? Math.round(n) : n.toFixed(1)}${units[i]}`;
}

/** Bytes with a decimal unit: `95.5MB`. */
export function bytesSi(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)}${units[i]}`;
}

/** A latency unit that keeps numbers readable, as fio picks nsec/usec/msec. */
export function latUnit(maxNs: number): { name: string; div: number } {
  if (maxNs >= 1e7) return { name: 'msec', div: 1e6 };
  if (maxNs >= 1e4) return { name: 'usec', div: 1e3 };
  return { name: 'nsec', div: 1 };
}

export function fixed(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/** Render rows as an aligned text table (numbers right-aligned) or Markdown. */
export function renderTable(header: string[], rows: string[][], markdown = false): string {
  const numeric = header.map((_, c) => rows.every((r) => /^[-+]?[\d.,]+[kKMG%x]?$|^-$/.test(r[c] ?? '')));
  if (markdown) {
    const sep = numeric.map((n) => (n ? '---:' : '---'));
    return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
  }
  const w = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => r.map((v, c) => (numeric[c] ? v.padStart(w[c]!) : v.padEnd(w[c]!))).join('  ').trimEnd();
  return [line(header), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}
