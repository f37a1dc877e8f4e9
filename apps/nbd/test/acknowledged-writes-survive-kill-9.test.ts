/**
 * Crash safety: while fio's nbd engine runs a random-write job with flushes (`--fsync`), a raw
 * client pipelines 4 KiB writes (a quarter with FUA) and flushes into another region, remembering
 * every acknowledgement. Then fio is stopped and the client sends a tail of writes only (half with
 * FUA); with some still in flight the server is killed with SIGKILL (its pid). A restarted server
 * must read back every write acknowledged before an acknowledged FLUSH was sent and every write
 * acknowledged with FUA: with direct IO, and through the page cache, where the tail's plain writes
 * are lost (and must be, for the check of its FUA writes to mean something).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, removeImage, readImage, probe } from '@biopath/testing';
import * as P from '../src/protocol.ts';
import { spawnServer, stopCleanly, uri, RawClient, type Child } from './helpers.ts';
import { AckLog, BLOCK } from './ack-log.ts';

const fio = probe.command('fio');
const SIZE = 32 << 20;
const FIO_BYTES = 16 << 20;
/** The raw client's region: 256 blocks after fio's, so blocks are overwritten many times. */
const BASE = FIO_BYTES / BLOCK;
const BLOCKS = 256;
const WINDOW = 8;
const FLUSHES = 30;
/** After the last flush is answered: writes only (half with FUA), then the kill. */
const TAIL_WRITES = 64;

const modes = [
  { mode: 'direct IO', args: [] as string[] },
  { mode: 'the page cache', args: ['--cache-size', '64M'] },
];

/** Until fio's first writes are visible in the image file (through the page cache: its first flush). */
async function fioHasWritten(image: string, fioProc: ChildProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (fioProc.exitCode !== null) throw new Error(`fio exited ${fioProc.exitCode} before writing`);
    if (readImage(image, 0, FIO_BYTES).some((b) => b !== 0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('fio wrote nothing visible in 30 s');
}

/** mulberry32: the client's block choices are the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Phase 1 (fio running): pipelined writes, every 10th request a flush, until FLUSHES flushes were
 * sent; all answered. Then `between()` (fio is stopped: its flushes would write our dirty pages
 * back too). Phase 2, the tail: writes only, half with FUA; once all are sent and WINDOW / 2
 * more are answered, the server is killed with the rest in flight.
 */
async function writeUntilKilled(log: AckLog, child: Child, between: () => Promise<void>): Promise<void> {
  const rand = rng(14);
  let ops = 0, flushes = 0;
  const phase1 = (): void => {
    if (flushes >= FLUSHES) return;
    if (++ops % 10 === 0) {
      flushes++;
      log.flush();
    } else log.write(Math.floor(rand() * BLOCKS), rand() < 0.25);
  };
  for (let i = 0; i < WINDOW; i++) phase1();
  while (log.outstanding > 0) {
    await log.reply();
    phase1();
  }
  await between();
  let tail = 0;
  const phase2 = (): void => {
    if (tail++ < TAIL_WRITES) log.write(Math.floor(rand() * BLOCKS), rand() < 0.5);
  };
  for (let i = 0; i < WINDOW; i++) phase2();
  for (let acked = 0; acked < WINDOW / 2;) {
    await log.reply();
    if (tail >= TAIL_WRITES) acked++;
    phase2();
  }
  log.stop();
  await child.kill9();
}

describe.skipIf(!fio.ok)('kill -9 during an fio write job with flushes', () => {
  it.each(modes)('every write acknowledged before an acknowledged FLUSH, or with FUA, reads back after a restart: $mode', async ({ args }) => {
    const image = createImage(SIZE, { fill: 'zero' });
    const socket = join(image, '..', 'nbd.sock');
    const serverArgs = ['--unix', socket, '--export', `disk=${image}`, ...args];
    let child = await spawnServer(serverArgs);
    let fioProc: ChildProcess | null = null;
    let c: RawClient | null = null;
    try {
      fioProc = spawn('fio', [
        '--name=crash', '--thread', '--ioengine=nbd', `--uri=${uri(socket)}`, '--rw=randwrite', '--bs=4k', '--iodepth=8', '--fsync=16',
        '--offset=0', `--size=${FIO_BYTES}`, '--time_based', '--runtime=120', '--randseed=3', '--output-format=terse',
      ], { stdio: 'ignore' });
      const fioExited = new Promise<void>((r) => fioProc!.once('exit', () => r()));
      await fioHasWritten(image, fioProc);
      c = await RawClient.connect(socket);
      await c.handshake();
      const log = new AckLog(c, BASE, BLOCKS);
      await writeUntilKilled(log, child, async () => {
        fioProc!.kill('SIGKILL'); // by pid: a client vanishing mid-request
        await fioExited;
      });
      c.destroy();
      expect((await child.exited).signal).toBe('SIGKILL');
      expect(log.errors).toBe(0);

      child = await spawnServer(serverArgs);
      c = await RawClient.connect(socket);
      await c.handshake();
      c.request(P.CMD_READ, 1, BASE * BLOCK, BLOCKS * BLOCK);
      const r = await c.simpleReply(BLOCKS * BLOCK);
      expect(r.error).toBe(0);
      const seen = log.check(r.data);
      expect(seen.durable).toBeGreaterThan(0);
      // The page cache really held the tail's plain writes back (so its FUA writes survived by
      // being FUA): some block lost its last, unflushed write.
      if (args.length) expect(seen.lostUnflushed).toBeGreaterThan(0);
      console.info(`[nbd crash] ${args.join(' ') || 'direct'}: ${log.writes.length} writes, ${seen.durable} durable checked over ${seen.blocksChecked} blocks; ${seen.lostUnflushed} blocks lost their last (unflushed) write`);
      c.request(P.CMD_DISC, 2, 0, 0);
      await c.closedByServer();
    } finally {
      c?.destroy();
      if (fioProc && fioProc.exitCode === null && fioProc.signalCode === null) fioProc.kill('SIGKILL');
      if (child.proc.exitCode === null && child.proc.signalCode === null) await stopCleanly(child);
      removeImage(image);
    }
  }, 120_000);
});
