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
const told = new Set<string>();

/**
 * What a probe found, enforced: on a developer's machine a missing capability means the tests that
 * need it skip, and the reason is printed once; in CI (`CI=true`) it fails the test file instead,
 * because CI must run every device test (NVMe ones run in the QEMU guest, so there only).
 */
function required(r: ProbeResult, need: string, inCi = isCi()): ProbeResult {
  if (r.ok) return r;
  if (inCi) throw new Error(`CI=true but ${need} cannot run here: ${r.reason}`);
  if (!told.has(r.reason)) {
    told.add(r.reason);
    console.warn(`[biopath] skipping tests that need ${need}: ${r.reason}`);
  }
  return r;
}

function isCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

function isRoot(): ProbeResult {
  return process.getuid?.() === 0 ? yes : { ok: false, reason: 'not running as root' };
}

function root(): ProbeResult {
  return required(isRoot(), 'root');
}

function loop(): ProbeResult {
  return required(loopDevices(), 'loop devices');
}

function loopDevices(): ProbeResult {
  const r = isRoot();
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
  return required(uringHas(op), `io_uring op ${op}`);
}

function uringHas(op: string | number): ProbeResult {
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
    return required({ ok: false, reason: `userfaultfd unavailable: ${(e as Error).message}` }, 'userfaultfd');
  }
}

/** First /dev/ngXnY (NVMe generic char device) present, or ''. */
function nvmeGenericPath(): string {
  for (let c = 0; c < 8; c++) for (let n = 1; n < 8; n++) if (existsSync(`/dev/ng${c}n${n}`)) return `/dev/ng${c}n${n}`;
  return '';
}

function nvme(): ProbeResult {
  const r = nvmeGenericPath() ? yes : { ok: false, reason: 'no NVMe generic device (/dev/ngXnY) on this machine' };
  return required(r, 'an NVMe device', isCi() && process.env.BIOPATH_IN_GUEST === '1');
}

/** A program on PATH (a real client a test drives: nbdinfo, nbdcopy, qemu-img, fio). */
function command(name: string): ProbeResult {
  let r: ProbeResult = yes;
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' });
  } catch {
    r = { ok: false, reason: `${name} is not installed` };
  }
  return required(r, name);
}

export const probe = { root, loop, uringOp, userfaultfd, nvme, nvmeGenericPath, command };
