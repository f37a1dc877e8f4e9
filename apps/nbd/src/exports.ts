/**
 * From `--export NAME=TARGET` to open handles: sizes, the block-device guard
 * (`--allow-destructive`), and blockdev options.
 */
import { statSync } from 'node:fs';
import { openBlockDevice, type DriverName, type Strategy, type OpenOptions } from '@biopath/blockdev';
import { makeExport, type NbdExport } from './server.ts';

export interface ExportSpec {
  name: string;
  target: string;
}

export interface ServeOptions {
  driver?: DriverName;
  strategy?: Strategy;
  cacheSize?: number;
  readOnly?: boolean;
  allowDestructive?: boolean;
  queueDepth?: number;
  faults?: OpenOptions['faults'];
}

const UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 };

/** `4096`, `64K`, `16MiB`, `1G` → bytes. */
export function parseSize(s: string): number {
  const m = /^(\d+)\s*([kmgt]?)(i?b)?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  const n = Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`not a size: ${s}`);
  return n;
}

export function parseExport(s: string): ExportSpec {
  const i = s.indexOf('=');
  if (i <= 0 || i === s.length - 1) throw new Error(`--export wants NAME=TARGET, got ${s}`);
  return { name: s.slice(0, i), target: s.slice(i + 1) };
}

/** Open one handle per export; on any failure the ones already open are closed. */
export async function openExports(specs: ExportSpec[], o: ServeOptions): Promise<NbdExport[]> {
  const out: NbdExport[] = [];
  try {
    for (const s of specs) {
      const sized = o.driver === 'null' || (o.driver === 'faulty' && o.faults?.inner === 'null');
      const target: string | number = sized ? parseSize(s.target) : s.target;
      if (typeof target === 'string' && !o.readOnly && !o.allowDestructive) {
        let isBlock = false;
        try {
          isBlock = statSync(target).isBlockDevice();
        } catch {
          /* openBlockDevice reports a missing target */
        }
        if (isBlock) throw new Error(`export ${s.name}: ${target} is a block device; writing to it needs --allow-destructive (or serve it --readonly)`);
      }
      const opts: OpenOptions = {
        driver: o.driver, strategy: o.strategy, readOnly: o.readOnly, queueDepth: o.queueDepth, memory: 128 << 20,
        ...(o.cacheSize ? { cacheSize: o.cacheSize } : {}),
        ...(o.driver === 'faulty' ? { faults: o.faults ?? { rules: [] } } : {}),
      };
      out.push(makeExport(s.name, openBlockDevice(target, opts)));
    }
    return out;
  } catch (e) {
    for (const x of out) await x.handle.close().catch(() => undefined);
    throw e;
  }
}
