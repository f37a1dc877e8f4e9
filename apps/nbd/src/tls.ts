/**
 * TLS for NBD_OPT_STARTTLS: a pre-shared-key file (nbdkit's and GnuTLS's `psktool` format, one
 * `username:hexkey` per line) or an X.509 directory (`server-cert.pem`, `server-key.pem`, and
 * `ca-cert.pem` if clients must present certificates), and whether TLS is required.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';

export interface TlsConfig {
  /** `require`: every option but STARTTLS and ABORT is refused until TLS is up. */
  require: boolean;
  /** Options of the `tls.Server` that runs each connection's handshake. */
  options: TlsOptions;
}

/** Keys of a PSK file; throws EINVAL-coded errors naming the file and line. */
export function readPskFile(path: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const lines = readFileSync(path, 'utf8').split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const m = /^([^:]+):([0-9a-fA-F]+)$/.exec(line);
    if (!m || m[2]!.length % 2) throw Object.assign(new Error(`--tls-psk ${path}: line ${i + 1} is not username:hexkey`), { code: 'EINVAL' });
    keys.set(m[1]!, Buffer.from(m[2]!, 'hex'));
  }
  if (!keys.size) throw Object.assign(new Error(`--tls-psk ${path}: no keys`), { code: 'EINVAL' });
  return keys;
}

/** The TLS configuration from the CLI's options; null when TLS is off. */
export function loadTls(o: { tls?: string; psk?: string; certificates?: string }): TlsConfig | null {
  const mode = o.tls ?? (o.psk || o.certificates ? 'on' : 'off');
  if (mode === 'off') return null;
  if (mode !== 'on' && mode !== 'require') throw Object.assign(new Error(`--tls wants off, on or require, got ${mode}`), { code: 'EINVAL' });
  if (!o.psk === !o.certificates) throw Object.assign(new Error('--tls needs exactly one of --tls-psk FILE or --tls-certificates DIR'), { code: 'EINVAL' });
  if (o.psk) {
    const keys = readPskFile(o.psk);
    return {
      require: mode === 'require',
      // TLS-PSK as OpenSSL offers it to Node: TLS 1.2 PSK suites (GnuTLS clients such as libnbd speak them).
      options: {
        pskCallback: (_s, identity) => keys.get(identity) ?? null,
        ciphers: 'ECDHE-PSK-AES256-CBC-SHA384:ECDHE-PSK-AES128-CBC-SHA256:DHE-PSK-AES256-GCM-SHA384:DHE-PSK-AES128-GCM-SHA256:PSK-AES256-GCM-SHA384:PSK-AES128-GCM-SHA256',
        maxVersion: 'TLSv1.2',
      },
    };
  }
  const dir = o.certificates!;
  const ca = join(dir, 'ca-cert.pem');
  return {
    require: mode === 'require',
    options: {
      key: readFileSync(join(dir, 'server-key.pem')),
      cert: readFileSync(join(dir, 'server-cert.pem')),
      ...(existsSync(ca) ? { ca: readFileSync(ca), requestCert: true, rejectUnauthorized: true } : {}),
    },
  };
}
