/**
 * biopath-nbd: serve block devices, image files or null devices over NBD.
 * `biopath-nbd --unix /tmp/nbd.sock --export disk=disk.img` → `nbdinfo 'nbd+unix:///disk?socket=/tmp/nbd.sock'`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { NbdServer } from './server.ts';
import { openExports, parseExport, parseSize, type ExportSpec } from './exports.ts';
import { loadTls } from './tls.ts';

const program = new Command('biopath-nbd')
  .description('NBD server over the biopath block stack (@biopath/blockdev)')
  .option('--unix <path>', 'listen on a unix socket')
  .option('--port <n>', 'listen on TCP port n (0: any free port)', (v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('not a port');
    return n;
  })
  .option('--bind <addr>', 'TCP address to bind', '127.0.0.1')
  .option('--export <name=target>', 'an export (repeatable); target is a path, or a size for --driver null', (v, acc: ExportSpec[]) => {
    try {
      return [...acc, parseExport(v)];
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  }, [] as ExportSpec[])
  .addOption(new Option('--driver <driver>', 'blockdev driver').choices(['bdev', 'nvme', 'null', 'faulty']))
  .addOption(new Option('--strategy <s>', 'page extraction strategy').choices(['pin', 'get', 'list']).default('pin'))
  .option('--direct', 'direct IO (the default)')
  .option('--cache-size <size>', 'serve through a page cache of this size (e.g. 256M)', (v) => {
    try {
      return parseSize(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  })
  .option('--faults <json>', 'faulty driver schedule: {"rules":[...],"seed":1,"inner":"bdev"}', (v) => JSON.parse(v))
  .option('--queue-depth <n>', 'tags per export', (v) => Number(v))
  .option('--tls <mode>', 'STARTTLS: off, on (offered) or require (default on when a key or certificate is given)')
  .option('--tls-psk <file>', 'TLS pre-shared keys, one username:hexkey per line (psktool format)')
  .option('--tls-certificates <dir>', 'TLS: server-cert.pem, server-key.pem (and ca-cert.pem to require client certificates)')
  .option('--readonly', 'serve read-only')
  .option('--allow-destructive', 'allow writes to block devices');

// usage errors exit 2, like every other refusal of this CLI (commander's default is 1)
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
program.parse();
const o = program.opts();

async function main(): Promise<void> {
  if (o.direct && o.cacheSize) throw new Error('--direct and --cache-size exclude each other');
  if (!o.export.length) throw new Error('at least one --export NAME=TARGET');
  if ((o.unix === undefined) === (o.port === undefined)) throw new Error('give exactly one of --unix PATH or --port N');
  const tls = loadTls({ tls: o.tls, psk: o.tlsPsk, certificates: o.tlsCertificates });
  const exports = await openExports(o.export, {
    driver: o.driver, strategy: o.strategy, cacheSize: o.cacheSize, readOnly: !!o.readonly, allowDestructive: !!o.allowDestructive,
    queueDepth: o.queueDepth, faults: o.faults,
  });
  const server = new NbdServer(exports, (l) => console.error(l), { tls });
  let addr: string;
  try {
    addr = await server.listen(o.unix !== undefined ? { unix: o.unix } : { port: o.port, host: o.bind });
  } catch (e) {
    await server.close().catch(() => undefined);
    throw e;
  }
  let stopping = false;
  const stop = (sig: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`biopath-nbd: ${sig}: finishing in-flight requests`);
    server.close().then(
      () => {
        const s = exports.map((e) => ({ name: e.name, ...e.handle.stats() }));
        console.error(`biopath-nbd: stopped ${JSON.stringify({ server: server.stats(), exports: s })}`);
        process.exit(0);
      },
      (e) => {
        console.error(`biopath-nbd: shutdown failed: ${(e as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const names = exports.map((e) => `${e.name} (${e.size} bytes${e.readOnly ? ', read-only' : ''})`).join(', ');
  console.log(`biopath-nbd: ready on ${addr} exports ${names}`);
}

main().catch((e) => {
  console.error(`biopath-nbd: ${(e as Error).message}`);
  process.exit(2);
});
