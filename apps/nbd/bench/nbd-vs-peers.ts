/**
 * biopath-nbd against nbdkit and qemu-nbd, side by side in one run: fio's nbd engine (libnbd), 4 KiB
 * randread and randwrite at several queue depths, every server on the same image (or the same loop
 * device with `--loop`), points alternating between the servers of a pairing, medians over reps.
 *
 *   cached:  biopath-nbd --cache-size   vs  nbdkit file   vs  qemu-nbd --cache=writeback
 *   direct:  biopath-nbd --direct (pin) vs  qemu-nbd --cache=none --aio=io_uring
 *
 * Reported per point: IOPS, completion latency p50/p99 (fio's clat), and the server's CPU µs per IO:
 * utime + stime of the server process (every thread, from /proc/PID/stat) over the fio run divided
 * by the IOs fio completed. Kernel work in loop workers or the host page cache's writeback threads
 * is charged to no one.
 *
 * Usage (root for --loop):
 *   npx tsx apps/nbd/bench/nbd-vs-peers.ts [--runtime 3] [--reps 3] [--size-mib 256] [--qd 1,32,128]
 *       [--rw randread,randwrite] [--pairing cached,direct] [--cache-mib 512] [--loop] [--json out.json]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadavg } from 'node:os';
import { attachLoop, createImage, detachLoop, removeImage } from '@biopath/testing';

const argv = process.argv.slice(2);
const arg = (name: string, d: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : d;
};
const RUNTIME = Number(arg('runtime', '3'));
const REPS = Number(arg('reps', '3'));
const SIZE = Number(arg('size-mib', '256')) << 20;
const QDS = arg('qd', '1,32,128').split(',').map(Number);
const RWS = arg('rw', 'randread,randwrite').split(',');
const PAIRINGS = arg('pairing', 'cached,direct').split(',');
const CACHE_MIB = Number(arg('cache-mib', '512'));
const LOOP = argv.includes('--loop');
const JSON_OUT = argv.includes('--json') ? arg('json', '') : '';
const BIN = fileURLToPath(new URL('../bin/biopath-nbd.mjs', import.meta.url));
const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface ServerDef { name: string; start(target: string, sock: string): { cmd: string; args: string[] } }

const node = (extra: string[]) => (target: string, sock: string) => ({
  cmd: process.execPath, args: [BIN, '--unix', sock, '--export', `disk=${target}`, '--allow-destructive', ...extra],
});
const SERVERS: Record<string, ServerDef[]> = {
  cached: [
    { name: 'biopath-nbd --cache-size', start: node(['--cache-size', `${CACHE_MIB}M`]) },
    { name: 'nbdkit file', start: (t, s) => ({ cmd: 'nbdkit', args: ['-f', '-U', s, '-e', 'disk', 'file', t] }) },
    { name: 'qemu-nbd --cache=writeback', start: (t, s) => ({ cmd: 'qemu-nbd', args: ['-t', '-e', '8', '-f', 'raw', '--cache=writeback', '--socket', s, '-x', 'disk', t] }) },
  ],
  direct: [
    { name: 'biopath-nbd --direct (pin)', start: node(['--direct', '--strategy', 'pin']) },
    { name: 'qemu-nbd --cache=none --aio=io_uring', start: (t, s) => ({ cmd: 'qemu-nbd', args: ['-t', '-e', '8', '-f', 'raw', '--cache=none', '--aio=io_uring', '--socket', s, '-x', 'disk', t] }) },
  ],
};

interface Running { def: ServerDef; proc: ChildProcess; sock: string; uri: string }

async function startServer(def: ServerDef, target: string, sock: string): Promise<Running> {
  const { cmd, args } = def.start(target, sock);
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (b) => (err += String(b)));
  const uri = `nbd+unix:///disk?socket=${sock}`;
  for (let i = 0; ; i++) { // ready when nbdinfo can connect
    if (proc.exitCode !== null) throw new Error(`${def.name} exited: ${err}`);
    if (existsSync(sock)) {
      try {
        execFileSync('nbdinfo', ['--size', uri], { stdio: 'ignore' });
        break;
      } catch { /* not yet */ }
    }
    if (i > 600) throw new Error(`${def.name} not ready: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { def, proc, sock, uri };
}

async function stopServer(s: Running): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const gone = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM'); // by pid
  await gone;
}

function cpuTicks(pid: number): number {
  const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
}

interface Point { iops: number; p50: number; p99: number; cpuUsPerIo: number }

/** One fio job; `runtime` null: one pass over the image. */
function fio(uri: string, rw: string, qd: number, runtime: number | null, bs = '4k'): { ios: number; iops: number; p50: number; p99: number } {
  const out = execFileSync('fio', [
    '--name=b', '--thread', '--ioengine=nbd', `--uri=${uri}`, `--rw=${rw}`, `--bs=${bs}`, `--iodepth=${qd}`, `--size=${SIZE}`,
    ...(runtime === null ? [] : ['--time_based', `--runtime=${runtime}`]), '--norandommap', '--randrepeat=0', '--output-format=json',
  ], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const job = (JSON.parse(out.slice(out.indexOf('{'))) as { jobs: Record<string, { total_ios: number; iops: number; clat_ns: { percentile?: Record<string, number> } }>[] }).jobs[0]!;
  const d = rw.includes('read') ? job.read! : job.write!;
  const pct = d.clat_ns.percentile ?? {};
  return { ios: d.total_ios, iops: d.iops, p50: (pct['50.000000'] ?? 0) / 1000, p99: (pct['99.000000'] ?? 0) / 1000 };
}

function measure(s: Running, rw: string, qd: number): Point {
  const pid = s.proc.pid!;
  const t0 = cpuTicks(pid);
  const r = fio(s.uri, rw, qd, RUNTIME);
  const t1 = cpuTicks(pid);
  return { iops: r.iops, p50: r.p50, p99: r.p99, cpuUsPerIo: ((t1 - t0) * TICK_US) / Math.max(1, r.ios) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function runPairing(pairing: string, target: string, dir: string): Promise<Record<string, Record<string, Point>>> {
  const defs = SERVERS[pairing]!;
  const running: Running[] = [];
  const samples = new Map<string, Point[]>();
  try {
    for (const [i, d] of defs.entries()) running.push(await startServer(d, target, join(dir, `s${pairing}${i}.sock`)));
    for (const s of running) fio(s.uri, 'read', 16, null, '1m'); // warm: one sequential pass (fills a page cache)
    for (let rep = 0; rep < REPS; rep++) {
      for (const rw of RWS) {
        for (const qd of QDS) {
          const order = rep % 2 === 0 ? running : [...running].reverse(); // alternate who goes first
          for (const s of order) {
            const key = `${s.def.name}|${rw}|${qd}`;
            const p = measure(s, rw, qd);
            samples.set(key, [...(samples.get(key) ?? []), p]);
            console.error(`${pairing} rep ${rep} ${rw} qd${qd} ${s.def.name}: ${Math.round(p.iops)} IOPS, cpu ${p.cpuUsPerIo.toFixed(2)} µs/IO`);
          }
        }
      }
    }
  } finally {
    for (const s of running) await stopServer(s);
  }
  const out: Record<string, Record<string, Point>> = {};
  for (const [key, ps] of samples) {
    const [name, rw, qd] = key.split('|');
    (out[`${rw} qd${qd}`] ??= {})[name!] = {
      iops: median(ps.map((p) => p.iops)), p50: median(ps.map((p) => p.p50)), p99: median(ps.map((p) => p.p99)), cpuUsPerIo: median(ps.map((p) => p.cpuUsPerIo)),
    };
  }
  return out;
}

function table(pairing: string, res: Record<string, Record<string, Point>>): string {
  const names = SERVERS[pairing]!.map((d) => d.name);
  const lines = [
    `### ${pairing}`, '',
    `| point | ${names.map((n) => `${n} IOPS`).join(' | ')} | biopath / best peer IOPS | p50 µs (${names.length === 2 ? 'b / q' : 'b / k / q'}) | p99 µs | CPU µs/IO | biopath / best peer's CPU |`,
    `|---|${names.map(() => '---:').join('|')}|---:|---|---|---|---:|`,
  ];
  for (const [point, byName] of Object.entries(res)) {
    const ps = names.map((n) => byName[n]!);
    const peers = ps.slice(1);
    const best = peers.reduce((a, b) => (b.iops > a.iops ? b : a));
    const f = (xs: number[], d = 0) => xs.map((x) => x.toFixed(d)).join(' / ');
    lines.push(`| ${point} | ${ps.map((p) => Math.round(p.iops).toLocaleString('en-US')).join(' | ')} | **${(ps[0]!.iops / best.iops).toFixed(2)}** | ${f(ps.map((p) => p.p50))} | ${f(ps.map((p) => p.p99))} | ${f(ps.map((p) => p.cpuUsPerIo), 2)} | ${(ps[0]!.cpuUsPerIo / best.cpuUsPerIo).toFixed(2)} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const image = createImage(SIZE);
  const dir = join(image, '..');
  let dev = '';
  const results: Record<string, unknown> = {};
  try {
    if (LOOP) dev = attachLoop(image);
    const target = dev || image;
    const load0 = loadavg()[0]!.toFixed(2);
    for (const p of PAIRINGS) results[p] = await runPairing(p, target, dir);
    console.log(`nbd benchmark: ${LOOP ? `loop device over a ${SIZE >> 20} MiB image` : `${SIZE >> 20} MiB image file`}, ${RUNTIME} s per point, ${REPS} reps (medians), load average ${load0} → ${loadavg()[0]!.toFixed(2)}\n`);
    for (const p of PAIRINGS) console.log(`${table(p, results[p] as Record<string, Record<string, Point>>)}\n`);
    if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify(results, null, 2));
  } finally {
    if (dev) detachLoop(dev);
    removeImage(image);
  }
}

await main();
