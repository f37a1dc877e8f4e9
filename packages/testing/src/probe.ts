/**
 * Probes: what this machine can do. Each returns `{ ok, reason }` so a skip can always say why.
 */
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { uffdProbe } from '@biopath/native';
import { probeRing } from '@biopath/uring';

export interface ProbeResult {
  ok: boolean;
  reason: string;
}

const yes: ProbeResult = { ok: true, reason: '' };

function root(): ProbeResult {
  return process.getuid?.() === 0 ? yes : { ok: false, reason: 'not running as root' };
}

function loop(): ProbeResult {
  const r = root();
  if (!r.ok) return { ok: false, reason: `loop devices need root (${r.reason})` };
  if (!existsSync('/dev/loop-control')) return { ok: false, reason: '/dev/loop-control is missing' };
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' });
  } catch {
    return { ok: false, reason: 'losetup is not installed' };
  }
  return yes;
}

function uringOp(op: string | number): ProbeResult {
  try {
    return probeRing().has(op) ? yes : { ok: false, reason: `io_uring op ${op} is not supported by this kernel` };
  } catch (e) {
    return { ok: false, reason: `io_uring unavailable: ${(e as Error).message}` };
  }
}

function userfaultfd(): ProbeResult {
  try {
    uffdProbe();
    return yes;
  } catch (e) {
    return { ok: false, reason: `userfaultfd unavailable: ${(e as Error).message}` };
  }
}

/** First /dev/ngXnY (NVMe generic char device) present, or ''. */
function nvmeGenericPath(): string {
  for (let c = 0; c < 8; c++) for (let n = 1; n < 8; n++) if (existsSync(`/dev/ng${c}n${n}`)) return `/dev/ng${c}n${n}`;
  return '';
}

function nvme(): ProbeResult {
  return nvmeGenericPath() ? yes : { ok: false, reason: 'no NVMe generic device (/dev/ngXnY) on this machine' };
}

export const probe = { root, loop, uringOp, userfaultfd, nvme, nvmeGenericPath };
