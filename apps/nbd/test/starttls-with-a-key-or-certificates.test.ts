/**
 * TLS: with `--tls require --tls-psk FILE` the server refuses every option but STARTTLS and ABORT
 * until TLS is up (NBD_REP_ERR_TLS_REQD; EXPORT_NAME closes), libnbd's clients connect with
 * `nbds+unix://USER@/…?tls-psk-file=` (nbdinfo says "with TLS", nbdcopy round-trips a random image
 * byte-identical), a wrong key fails the handshake, and a plain client is turned away. With
 * `--tls-certificates DIR` holding a CA (a throwaway one made by openssl) the server requires a
 * client certificate: nbdinfo with one signed by that CA gets in, one signed by another CA does not.
 * Garbage instead of a ClientHello, or a client leaving mid-handshake, only closes that connection.
 * Without TLS configured STARTTLS is unsupported; a malformed key file stops the CLI before it
 * listens.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createImage, removeImage, probe } from '@biopath/testing';
import * as P from '../src/protocol.ts';
import { spawnServer, stopCleanly, run, uri, RawClient } from './helpers.ts';

const nbdinfo = probe.command('nbdinfo');
const nbdcopy = probe.command('nbdcopy');
const openssl = probe.command('openssl');
const SIZE = 16 << 20;

function tlsUri(socket: string, psk: string): string {
  return `nbds+unix://alice@/disk?socket=${socket}&tls-psk-file=${psk}`;
}

async function fails(cmd: string, args: string[]): Promise<string> {
  try {
    await run(cmd, args, 30_000);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`${cmd} ${args.join(' ')} succeeded`);
}

describe('STARTTLS, raw', () => {
  it('a TLS-only server answers options with TLS_REQD and closes on EXPORT_NAME; a plain server does not offer STARTTLS', async () => {
    const image = createImage(1 << 20, { fill: 'zero' });
    const dir = join(image, '..');
    const psk = join(dir, 'keys.psk');
    writeFileSync(psk, `alice:${randomBytes(32).toString('hex')}\n`);
    const tlsSock = join(dir, 'tls.sock');
    const plainSock = join(dir, 'plain.sock');
    const tls = await spawnServer(['--unix', tlsSock, '--export', `disk=${image}`, '--tls', 'require', '--tls-psk', psk]);
    try {
      const c = await RawClient.connect(tlsSock);
      await c.read(18);
      c.write(Buffer.from([0, 0, 0, 3]));
      c.option(P.OPT_LIST);
      expect((await c.optReply()).type).toBe(P.REP_ERR_TLS_REQD);
      c.option(P.OPT_STRUCTURED_REPLY);
      expect((await c.optReply()).type).toBe(P.REP_ERR_TLS_REQD);
      c.option(P.OPT_STARTTLS, Buffer.from([1]));
      expect((await c.optReply()).type).toBe(P.REP_ERR_INVALID);
      c.option(P.OPT_EXPORT_NAME, Buffer.from('disk'));
      await c.closedByServer();
      // Garbage where the ClientHello belongs, and a client that leaves mid-handshake: closed, no crash.
      const g = await RawClient.connect(tlsSock);
      await g.read(18);
      g.write(Buffer.from([0, 0, 0, 3]));
      g.option(P.OPT_STARTTLS);
      expect((await g.optReply()).type).toBe(P.REP_ACK);
      g.write(Buffer.alloc(64, 0x5a));
      await g.closedByServer();
      const v = await RawClient.connect(tlsSock);
      await v.read(18);
      v.write(Buffer.from([0, 0, 0, 3]));
      v.option(P.OPT_STARTTLS);
      expect((await v.optReply()).type).toBe(P.REP_ACK);
      v.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])); // the start of a ClientHello
      v.destroy();
      // Still serving: a TLS client gets in.
      if (nbdinfo.ok) expect(await run('nbdinfo', ['--size', tlsUri(tlsSock, psk)])).toMatch(/^1048576/);
    } finally {
      await stopCleanly(tls);
    }
    const plain = await spawnServer(['--unix', plainSock, '--export', `disk=${image}`]);
    try {
      const c = await RawClient.connect(plainSock);
      await c.read(18);
      c.write(Buffer.from([0, 0, 0, 3]));
      c.option(P.OPT_STARTTLS);
      expect((await c.optReply()).type).toBe(P.REP_ERR_UNSUP);
      c.option(P.OPT_ABORT);
      expect((await c.optReply()).type).toBe(P.REP_ACK);
      await c.closedByServer();
    } finally {
      await stopCleanly(plain);
      removeImage(image);
    }
  }, 60_000);

  it('a malformed key file stops the CLI before it listens, naming the flag', async () => {
    const image = createImage(1 << 20, { fill: 'zero' });
    const psk = join(image, '..', 'bad.psk');
    writeFileSync(psk, 'alice:nothex\n');
    try {
      await expect(spawnServer(['--unix', join(image, '..', 's.sock'), '--export', `disk=${image}`, '--tls-psk', psk])).rejects.toThrow(/exited 2 .*--tls-psk .*line 1 is not username:hexkey/s);
    } finally {
      removeImage(image);
    }
  }, 60_000);
});

describe.skipIf(!nbdinfo.ok || !nbdcopy.ok)('STARTTLS with libnbd clients', () => {
  it('nbdinfo and nbdcopy over TLS-PSK; a wrong key and a plain client are refused', async () => {
    const image = createImage(SIZE, { fill: 'zero' });
    const dir = join(image, '..');
    const socket = join(dir, 'nbd.sock');
    const psk = join(dir, 'keys.psk');
    const wrong = join(dir, 'wrong.psk');
    writeFileSync(psk, `alice:${randomBytes(32).toString('hex')}\n`);
    writeFileSync(wrong, `alice:${randomBytes(32).toString('hex')}\n`);
    const src = join(dir, 'src.raw');
    const back = join(dir, 'back.raw');
    const data = randomBytes(SIZE);
    writeFileSync(src, data);
    const child = await spawnServer(['--unix', socket, '--export', `disk=${image}`, '--tls', 'require', '--tls-psk', psk]);
    try {
      expect(await run('nbdinfo', [tlsUri(socket, psk)])).toMatch(/with TLS/);
      await run('nbdcopy', [src, tlsUri(socket, psk)]);
      await run('nbdcopy', [tlsUri(socket, psk), back]);
      expect(readFileSync(back).equals(data)).toBe(true);
      expect(await fails('nbdinfo', [tlsUri(socket, wrong)])).toMatch(/handshake|TLS/i);
      await fails('nbdinfo', [uri(socket)]);
    } finally {
      await stopCleanly(child);
    }
    try {
      expect(readFileSync(image).equals(data)).toBe(true);
    } finally {
      removeImage(image);
    }
  }, 120_000);
});

/**
 * A CA, and a server and a client certificate signed by it, laid out as nbdkit's and libnbd's
 * directories want them: `server/` (server-cert, server-key, ca-cert), `client/` (ca-cert,
 * client-cert, client-key).
 */
function makePki(dir: string): { server: string; client: string } {
  const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  o(['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca-cert.pem', '-days', '2', '-subj', '/CN=biopath test CA']);
  o(['req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=localhost']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
  o(['x509', '-req', '-in', 'server.csr', '-CA', 'ca-cert.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '2', '-extfile', 'ext.cnf']);
  o(['req', ...ec, '-keyout', 'client-key.pem', '-out', 'client.csr', '-subj', '/CN=alice']);
  writeFileSync(join(dir, 'cext.cnf'), 'extendedKeyUsage=clientAuth\n');
  o(['x509', '-req', '-in', 'client.csr', '-CA', 'ca-cert.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'client-cert.pem', '-days', '2', '-extfile', 'cext.cnf']);
  const server = join(dir, 'server'), client = join(dir, 'client');
  mkdirSync(server);
  mkdirSync(client);
  for (const f of ['server-cert.pem', 'server-key.pem', 'ca-cert.pem']) copyFileSync(join(dir, f), join(server, f));
  for (const f of ['ca-cert.pem', 'client-cert.pem', 'client-key.pem']) copyFileSync(join(dir, f), join(client, f));
  return { server, client };
}

describe.skipIf(!nbdinfo.ok || !openssl.ok)('STARTTLS with X.509 certificates', () => {
  it('a client certificate from the server\'s CA gets in, one from another CA is refused', async () => {
    const image = createImage(1 << 20, { fill: 'zero' });
    const dir = join(image, '..');
    const socket = join(dir, 'nbd.sock');
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const a = makePki(join(dir, 'a'));
    const b = makePki(join(dir, 'b'));
    const child = await spawnServer(['--unix', socket, '--export', `disk=${image}`, '--tls', 'require', '--tls-certificates', a.server]);
    try {
      expect(await run('nbdinfo', [`nbds+unix:///disk?socket=${socket}&tls-certificates=${a.client}`])).toMatch(/with TLS/);
      expect(await fails('nbdinfo', [`nbds+unix:///disk?socket=${socket}&tls-certificates=${b.client}`])).toMatch(/handshake|TLS|certificate/i);
    } finally {
      await stopCleanly(child);
      removeImage(image);
    }
  }, 60_000);
});
