/**
 * `biobench ab --processes N`: the block design (ab/blocks.ts) run in N fresh `node` processes,
 * one after the other, each with its own seed (so its own ABBA/BAAB order and its own set-up
 * order, ab/blocks.ts `setupFirst`) and 1/N of the time budget, its result read back as JSON; the
 * per-process estimates are then combined with the between-process variance (ab/two-level.ts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RunError } from '../cli/errors.ts';
import { normalizeArgv } from '../options/parse.ts';
import { setupFirst } from './blocks.ts';

/** What the parent reads from one child's `biobench.ab` JSON. */
export interface ChildAb {
  seed: number;
  setup_first: 'A' | 'B';
  stop: 'precision' | 'budget';
  measured_msec: number;
  groups: number;
  warmup_groups: number;
  verdict: string;
  sides: { info: unknown; pins_balanced: boolean }[];
  metrics: {
    key: 'cpu' | 'iops';
    primary: boolean;
    a: { mean: number };
    b: { mean: number };
    change_pct: number;
    ci_pct: [number, number];
    mean_log: number;
    se_log: number;
    position_pct: number;
    significant: boolean;
  }[];
}

/** Options the parent sets per child; any the user gave are dropped from the child's command line. */
const PER_CHILD = new Set(['--processes', '--seed', '--budget', '--output', '--output-format']);

/**
 * The child's command line: the parent's own (options normalised), without the per-child options,
 * then `--processes 1`, the child's seed and budget, and JSON to stdout.
 */
export function childArgv(argv: readonly string[], seed: number, budgetMs: number): string[] {
  const norm = normalizeArgv(argv), out: string[] = [];
  for (let i = 0; i < norm.length; i++) {
    const a = norm[i]!, name = a.split('=')[0]!;
    if (PER_CHILD.has(name)) {
      if (!a.includes('=')) i++; // its value
      continue;
    }
    out.push(a);
  }
  return [...out, '--processes', '1', '--seed', String(seed), '--budget', `${Math.max(1, Math.round(budgetMs))}ms`, '--output-format', 'json'];
}

/** The `i`-th candidate seed derived from a run seeded `seed`. */
export const childSeed = (seed: number, i: number): number => ((seed >>> 0) + Math.imul(i, 0x9e3779b1)) >>> 0;

/**
 * The seeds of `n` processes: distinct, derived from `seed`, and chosen so that the side set up
 * first alternates from process to process (starting with the one `seed` itself would set up
 * first). Set-up order could favour a side (memory placement); drawn at random per process it
 * would land on one side in every process of a short series (1 in 4 for three). Alternated, such
 * an effect cancels exactly for an even `n` and adds to the between-process spread, which the
 * combination measures, for an odd one. (The A/A campaign in BENCHMARKS.md found none: −0.03 %
 * with A set up first, −0.02 % with B, over 60 processes.)
 */
export function childSeeds(seed: number, n: number): number[] {
  const start = setupFirst(seed);
  return Array.from({ length: n }, (_, i) => {
    const want = (start + i) % 2;
    for (let j = 0; ; j++) {
      const s = childSeed(seed, i * 64 + j);
      if (setupFirst(s) === want || j === 63) return s;
    }
  });
}

const BIN = fileURLToPath(new URL('../../bin/biobench.mjs', import.meta.url));

/**
 * Run one child to completion and return its `biobench.ab` block. Rejects with a RunError naming
 * the child (its exit code and last stderr line) when it fails or prints no JSON.
 */
export function runChild(args: string[], label: string): Promise<ChildAb> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => reject(new RunError(`${label}: could not start ${process.execPath}: ${e.message}`)));
    child.on('close', (code) => {
      const last = err.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new RunError(`${label} (pid ${child.pid}) exited with ${code}${last ? `: ${last}` : ''}`));
      try {
        resolve(JSON.parse(out).biobench.ab as ChildAb);
      } catch {
        reject(new RunError(`${label} (pid ${child.pid}) printed no biobench ab JSON`));
      }
    });
  });
}
