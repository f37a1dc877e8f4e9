/**
 * The live progress line (cli-progress on stderr): elapsed/total, IOPS and bandwidth so far.
 * Updated synchronously from the job loop (which never yields to the event loop while it runs).
 */
import cliProgress from 'cli-progress';
import type { ProgressSink } from '../job/run-job.ts';
import type { DirStats, Dirs } from '../stats/io-stats.ts';
import { bytesIec, kilo } from '../output/format.ts';

/** The text after the bar: `read 104k IOPS 407MiB/s, write ...` (or `ramping`). */
export function progressText(elapsedMs: number, dirs: Dirs, ramping: boolean): string {
  if (ramping) return 'ramping up';
  const s = Math.max(elapsedMs, 1) / 1000;
  const part = (n: string, d: DirStats): string => (d.ios ? `${n} ${kilo(d.ios / s)} IOPS ${bytesIec(d.bytes / s)}/s` : '');
  return [part('read', dirs[0]), part('write', dirs[1])].filter(Boolean).join(', ') || 'waiting for completions';
}

export interface Progress extends ProgressSink {
  stop(): void;
}

/** A progress line for one job, or null when it should not be shown. */
export function createProgress(mode: 'auto' | 'on' | 'off', format: string, label: string): Progress | null {
  const show = mode === 'on' || (mode === 'auto' && format === 'normal' && process.stderr.isTTY === true);
  if (!show) return null;
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {secs}s | {text}`,
    stream: process.stderr, hideCursor: true, clearOnComplete: true, barsize: 24, noTTYOutput: mode === 'on', notTTYSchedule: 1000,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(elapsedMs, totalMs, dirs, ramping) {
      const total = totalMs > 0 ? totalMs : 1;
      const payload = { text: progressText(elapsedMs, dirs, ramping), secs: (Math.max(0, elapsedMs) / 1000).toFixed(1) };
      if (!started) {
        bar.start(total, 0, payload);
        started = true;
      }
      bar.update(Math.min(total, Math.max(0, totalMs > 0 ? elapsedMs : 0)), payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
