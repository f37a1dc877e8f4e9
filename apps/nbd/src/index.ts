/** biopath-nbd: an NBD server over @biopath/blockdev. */
export { NbdServer, makeExport, ByteBudget } from './server.ts';
export type { NbdExport, ServerStats, ListenAddress } from './server.ts';
export { openExports, parseSize } from './exports.ts';
export type { ExportSpec, ServeOptions } from './exports.ts';
export { loadTls, readPskFile } from './tls.ts';
export type { TlsConfig } from './tls.ts';
export * as proto from './protocol.ts';
