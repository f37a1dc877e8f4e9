/**
 * The leak gate: what a test must give back. Compares file descriptors of the kinds biopath
 * opens (io_uring, userfaultfd, eventfd, block devices, test images), live arena regions, loop
 * devices and images this process made, and the warnOnOnce counter, against a baseline.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { arenaLiveRegions, warnOnOnceCount } from '@biopath/native';
import { attachedLoopDevices, liveImages } from './loop.ts';

export interface LeakSnapshot {
  fds: string[];
  regions: number;
  loops: string[];
  images: string[];
  warnings: number;
}

const OURS = /^(anon_inode:\[?(io_uring|userfaultfd|eventfd)\]?|\/dev\/(loop|nvme|ng)|.*biopath-img-)/;

/** The fds biopath-style resources hold, as "fd -> target" strings. */
export function biopathFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (OURS.test(target)) out.push(`${fd} -> ${target}`);
  }
  return out.sort();
}

export function leakSnapshot(): LeakSnapshot {
  return { fds: biopathFds(), regions: arenaLiveRegions(), loops: attachedLoopDevices(), images: liveImages(), warnings: warnOnOnceCount() };
}

/** Throw an Error listing everything that differs from `base`. */
export function expectNoLeaks(base: LeakSnapshot): void {
  const now = leakSnapshot();
  const problems: string[] = [];
  const newFds = now.fds.filter((f) => !base.fds.includes(f));
  if (newFds.length) problems.push(`file descriptors left open: ${newFds.join(', ')}`);
  if (now.regions !== base.regions) problems.push(`arena regions: ${base.regions} before, ${now.regions} after`);
  const loops = now.loops.filter((l) => !base.loops.includes(l));
  if (loops.length) problems.push(`loop devices left attached: ${loops.join(', ')}`);
  const imgs = now.images.filter((l) => !base.images.includes(l));
  if (imgs.length) problems.push(`image files left behind: ${imgs.join(', ')}`);
  if (now.warnings !== base.warnings) problems.push(`warnOnOnce fired ${now.warnings - base.warnings} time(s)`);
  if (problems.length) throw new Error(`leak gate: ${problems.join('; ')}`);
}
