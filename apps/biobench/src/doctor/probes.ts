/**
 * What the running kernel and machine offer biobench, each probe returning what it found and
 * what that means for the user. Probes never throw and never write anything.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release } from 'node:os';
import { spawnSync } from 'node:child_process';
import { arenaCreate, arenaFree, uffdProbe } from '@biopath/native';
import { IoUring, probeRing, OPCODE_NAMES } from '@biopath/uring';

export interface Check {
  feature: string;
  status: 'ok' | 'missing' | 'limited' | 'info';
  found: string;
  meaning: string;
}

const read = (p: string): string => {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return '';
  }
};

const msg = (e: unknown): string => String((e as Error)?.message ?? e);

export function kernelCheck(): Check {
  const disabled = read('/proc/sys/kernel/io_uring_disabled');
  return { feature: 'kernel', status: 'info', found: `Linux ${release()}, ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`, meaning: disabled && disabled !== '0' ? `kernel.io_uring_disabled=${disabled}: io_uring may be refused` : 'io_uring is not disabled by sysctl' };
}

const WANT_OPS = ['READ', 'WRITE', 'READ_FIXED', 'WRITE_FIXED', 'READV', 'WRITEV', 'FSYNC', 'URING_CMD'];

export function uringOpsCheck(): Check {
  try {
    const p = probeRing();
    const missing = WANT_OPS.filter((o) => !p.has(OPCODE_NAMES[o]!));
    return {
      feature: 'io_uring ops', status: missing.length ? 'limited' : 'ok', found: `${p.ops.size} opcodes; ${WANT_OPS.filter((o) => !missing.includes(o)).join(' ')}${missing.length ? `; missing ${missing.join(' ')}` : ''}`,
      meaning: missing.includes('URING_CMD') ? 'no URING_CMD: the nvme passthrough driver cannot run' : missing.length ? `engines needing ${missing.join('/')} cannot run` : 'every engine and driver biobench has can submit its IO',
    };
  } catch (e) {
    return { feature: 'io_uring ops', status: 'missing', found: msg(e), meaning: 'io_uring is unavailable: no engine can run here' };
  }
}

export function sqpollCheck(): Check {
  try {
    new IoUring({ entries: 4, sqpollIdleMs: 10 }).close();
    return { feature: 'SQPOLL', status: 'ok', found: 'IORING_SETUP_SQPOLL accepted', meaning: '--sqthread-poll 1 works (a kernel thread polls the SQ; costs a CPU)' };
  } catch (e) {
    return { feature: 'SQPOLL', status: 'missing', found: msg(e), meaning: '--sqthread-poll 1 will fail here' };
  }
}

function memlockLimit(): string {
  const line = read('/proc/self/limits').split('\n').find((l) => l.startsWith('Max locked memory'));
  return line?.split(/\s{2,}/)[1] ?? '?';
}

function hasCapIpcLock(): boolean {
  const cap = /CapEff:\s*([0-9a-f]+)/.exec(read('/proc/self/status'))?.[1];
  return cap ? (BigInt(`0x${cap}`) & (1n << 14n)) !== 0n : false;
}

/** Register `bytes` as one fixed buffer on a throwaway ring. */
function canRegister(bytes: number): string {
  const ring = new IoUring({ entries: 2 });
  const a = arenaCreate(bytes);
  try {
    ring.registerBuffers([{ iova: a.iova, len: bytes }]);
    return '';
  } catch (e) {
    return msg(e);
  } finally {
    ring.close();
    arenaFree(a.id);
  }
}

export function registeredBuffersCheck(): Check {
  const limit = memlockLimit(), cap = hasCapIpcLock();
  const small = canRegister(1 << 20), big = small ? small : canRegister(64 << 20);
  const found = `RLIMIT_MEMLOCK ${limit === 'unlimited' ? 'unlimited' : `${limit} bytes`}, CAP_IPC_LOCK ${cap ? 'yes' : 'no'}; 1 MiB ${small ? 'refused' : 'ok'}, 64 MiB ${big ? 'refused' : 'ok'}`;
  if (small) return { feature: 'registered buffers', status: 'missing', found, meaning: `--buffers registered falls back to per-io: ${small}` };
  if (big) return { feature: 'registered buffers', status: 'limited', found, meaning: 'registered buffers work up to the memlock limit: keep iodepth × bs below it (or run as root); beyond it biobench falls back to per-io with a note' };
  return { feature: 'registered buffers', status: 'ok', found, meaning: '--buffers registered works at any iodepth × bs biobench allows' };
}

const UFFD_BITS: [number, string][] = [[0, 'WP'], [5, 'MISSING_SHMEM'], [8, 'THREAD_ID'], [10, 'MINOR_SHMEM'], [12, 'WP_HUGETLBFS_SHMEM'], [13, 'WP_UNPOPULATED']];

export function userfaultfdCheck(): Check {
  try {
    const f = uffdProbe().features;
    const have = UFFD_BITS.filter(([b]) => f & (1 << b)).map(([, n]) => n);
    const unpriv = read('/proc/sys/vm/unprivileged_userfaultfd');
    const minor = (f & (1 << 10)) !== 0;
    return {
      feature: 'userfaultfd', status: minor ? 'ok' : 'limited', found: `features 0x${f.toString(16)}: ${have.join(' ')}${unpriv ? `; vm.unprivileged_userfaultfd=${unpriv}` : ''}`,
      meaning: minor ? 'device-range mmap served by userfaultfd (page cache) works, including MINOR faults on shared memory' : 'mmap of a device range works only in MISSING mode (no MINOR_SHMEM)',
    };
  } catch (e) {
    return { feature: 'userfaultfd', status: 'missing', found: msg(e), meaning: 'the page cache cannot serve mmap faults here; direct and buffered IO still work' };
  }
}

export function nvmeCheck(): Check {
  const dev = existsSync('/dev') ? readdirSync('/dev') : [];
  const ng = dev.filter((d) => /^ng\d+n\d+$/.test(d)).map((d) => `/dev/${d}`);
  const ns = dev.filter((d) => /^nvme\d+n\d+$/.test(d)).map((d) => `/dev/${d}`);
  if (ng.length) return { feature: 'NVMe generic devices', status: 'ok', found: [...ng, ...ns].join(' '), meaning: '--driver nvme can run passthrough on these (writes need --allow-destructive)' };
  return { feature: 'NVMe generic devices', status: 'missing', found: ns.length ? `${ns.join(' ')} but no /dev/ngXnY` : 'none', meaning: '--driver nvme is unavailable; use bdev (any block device or image) or null' };
}

export function loopCheck(): Check {
  const root = process.getuid?.() === 0;
  const ok = root && existsSync('/dev/loop-control');
  return { feature: 'loop devices', status: ok ? 'ok' : 'limited', found: `${root ? 'root' : 'not root'}, /dev/loop-control ${existsSync('/dev/loop-control') ? 'present' : 'missing'}`, meaning: ok ? 'loop devices can be attached over image files for block-device runs' : 'run on image files (the default temporary target needs no root)' };
}

export function fioCheck(): Check {
  const r = spawnSync('fio', ['--version'], { encoding: 'utf8' });
  if (r.status === 0) return { feature: 'fio', status: 'ok', found: r.stdout.trim(), meaning: '`biobench compare` can run fio side by side' };
  return { feature: 'fio', status: 'missing', found: 'not in PATH', meaning: '`biobench compare` needs fio (or --fio <path>)' };
}

export function thpCheck(): Check {
  const thp = read('/sys/kernel/mm/transparent_hugepage/enabled');
  return { feature: 'transparent hugepages', status: 'info', found: thp || 'unknown', meaning: 'affects only the arena backing, not the IO path' };
}
