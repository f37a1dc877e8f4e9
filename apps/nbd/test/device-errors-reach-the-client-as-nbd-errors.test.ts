/**
 * Through `--driver faulty`, device errors (nvme's faulty schedule: reads of one range fail at
 * completion, writes of another are refused at submit) reach real clients as NBD errors — qemu-io
 * and nbdcopy (structured replies, error chunks) and a raw client (simple replies, EIO) — and the
 * export keeps serving: other ranges read and write, the failing range fails again, and at
 * shutdown nothing is in flight or pinned.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, removeImage, probe } from '@biopath/testing';
import * as P from '../src/protocol.ts';
import { spawnServer, stopCleanly, uri, RawClient } from './helpers.ts';

const qemuIo = probe.command('qemu-io');
const nbdcopy = probe.command('nbdcopy');
const MiB = 1 << 20;
/** Reads of [1 MiB, 1 MiB + 4 KiB) fail at completion; writes of [2 MiB, 2 MiB + 4 KiB) at submit. */
const FAULTS = {
  inner: 'bdev',
  rules: [
    { action: { kind: 'error' }, ops: ['read'], sectors: [2048, 2056] },
    { action: { kind: 'error', when: 'submit' }, ops: ['write'], sectors: [4096, 4104] },
  ],
};

/** Run a client; resolves with its exit code and output whatever the code. */
function runAny(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

function qemuIoCmd(u: string, cmd: string): Promise<{ code: number; out: string }> {
  return runAny('qemu-io', ['-f', 'raw', '-c', cmd, u]);
}

describe.skipIf(!qemuIo.ok || !nbdcopy.ok)('the faulty driver behind biopath-nbd', () => {
  it('turns device errors into NBD errors for qemu-io, nbdcopy and a raw client, and keeps serving', async () => {
    const image = createImage(8 * MiB, { fill: 'zero' });
    const dir = join(image, '..');
    const socket = join(dir, 'nbd.sock');
    const u = uri(socket);
    const child = await spawnServer(['--unix', socket, '--export', `disk=${image}`, '--driver', 'faulty', '--faults', JSON.stringify(FAULTS)]);
    try {
      const badRead = await qemuIoCmd(u, `read ${MiB} 4k`);
      expect(badRead.out).toMatch(/read failed: Input\/output error/);
      const badWrite = await qemuIoCmd(u, `write -P 0x11 ${2 * MiB} 4k`);
      expect(badWrite.out).toMatch(/write failed: Input\/output error/);
      const copy = await runAny('nbdcopy', [u, join(dir, 'copy.raw')]);
      expect(copy.code).not.toBe(0);
      expect(copy.out).toMatch(/Input\/output error/);

      // Simple replies carry the errno.
      const c = await RawClient.connect(socket);
      await c.handshake();
      c.request(P.CMD_READ, 7, MiB, 4096);
      expect(await c.simpleReply(4096)).toMatchObject({ cookie: 7, error: P.NBD_EIO });
      c.request(P.CMD_DISC, 8, 0, 0);
      await c.closedByServer();

      // Still serving: elsewhere writes and reads succeed, and the faulty range still fails.
      const good = await qemuIoCmd(u, `write -P 0x5a ${3 * MiB} 64k`);
      expect(good.out, good.out).toMatch(/wrote 65536\/65536 bytes/);
      const back = await qemuIoCmd(u, `read -P 0x5a ${3 * MiB} 64k`);
      expect(back.out, back.out).toMatch(/read 65536\/65536 bytes/);
      expect((await qemuIoCmd(u, `read ${MiB} 4k`)).out).toMatch(/read failed: Input\/output error/);
    } finally {
      await stopCleanly(child);
      removeImage(image);
    }
    const st = JSON.parse(/biopath-nbd: stopped (\{.*\})/.exec(child.stderr.join(''))![1]!) as { server: { errorReplies: number } };
    expect(st.server.errorReplies).toBeGreaterThanOrEqual(5);
  }, 120_000);
});
