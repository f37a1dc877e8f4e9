/**
 * The write guard: biobench writes only to its own temporary image, or to a target the user
 * named with --allow-destructive; a mounted (or swap, or held) block device is never written.
 * Every check here runs before the target is opened for writing.
 */
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { UsageError } from '../cli/errors.ts';

export interface WriteIntent {
  path: string;
  kind: 'file' | 'block' | 'nvme-generic' | 'null';
  temporary: boolean;
  allowDestructive: boolean;
  /** Why the job writes, for the message (`rw=randwrite`, `verify layout`). */
  reason: string;
  /** "maj:min" of a block device. */
  devno: string;
  name: string;
}

/** Throw a UsageError unless writing to the target is allowed. */
export function checkWriteAllowed(w: WriteIntent): void {
  if (w.temporary) return;
  const what = w.kind === 'file' ? 'an existing file' : w.kind === 'block' ? 'a block device' : 'an NVMe device';
  if (!w.allowDestructive) {
    throw new UsageError(`refusing to write to ${w.path} (${what}): this job writes (${w.reason}) and would overwrite its contents. ` +
      'Add --allow-destructive if that is what you want, or leave out --target to use a temporary image.');
  }
  if (w.kind === 'block') {
    const busy = blockDeviceInUse(w.devno, w.name);
    if (busy) throw new UsageError(`refusing to write to ${w.path}: ${busy}; --allow-destructive does not override this`);
  }
}

/** Why a block device must not be written (mounted, swap, held by dm/md), or ''. */
export function blockDeviceInUse(devno: string, name: string): string {
  const devnos = new Set([devno, ...partitionDevnos(name)]);
  const mounts = safeRead('/proc/self/mountinfo').split('\n');
  for (const line of mounts) {
    const f = line.split(' ');
    if (f[2] && devnos.has(f[2])) return `it (or a partition of it) is mounted on ${f[4]}`;
  }
  const swaps = safeRead('/proc/swaps').split('\n').slice(1).map((l) => l.split(/\s+/)[0]!).filter(Boolean);
  for (const s of swaps) {
    try {
      const base = realpathSync(s).replace(/^\/dev\//, '');
      if (base === name || base.startsWith(name)) return `it (or a partition of it) is in use as swap (${s})`;
    } catch {
      // a swap file that vanished: not ours
    }
  }
  const holders = `/sys/class/block/${name}/holders`;
  if (name && existsSync(holders) && readdirSync(holders).length > 0) return `it is held by ${readdirSync(holders).join(', ')} (device-mapper/md)`;
  return '';
}

function partitionDevnos(name: string): string[] {
  const dir = `/sys/class/block/${name}`;
  if (!name || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((e) => e.startsWith(name) && existsSync(`${dir}/${e}/dev`))
    .map((e) => safeRead(`${dir}/${e}/dev`).trim());
}

function safeRead(p: string): string {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
}
