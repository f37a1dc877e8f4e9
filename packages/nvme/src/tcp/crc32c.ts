/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the NVMe/TCP header and data digest.
 * Table-driven, no allocation per call; the running form lets a digest span several buffers.
 * @kernel lib/crc32.c crc32c()
 */

const CRC32C_POLY = 0x82f63b78;
const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CRC32C_POLY : c >>> 1;
  TABLE[n] = c >>> 0;
}

/** The starting value of a running CRC32C (`~0`). */
export const CRC32C_SEED = 0xffffffff;

/**
 * Fold `len` bytes of `buf` from `at` into the running (non-finalized) value `crc`; start from
 * {@link CRC32C_SEED} and finish with {@link crc32cFinal}. Returns the new running value.
 */
export function crc32cUpdate(crc: number, buf: Uint8Array, at: number, len: number): number {
  let c = crc >>> 0;
  const end = at + len;
  for (let i = at; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** Finish a running value: the digest as an unsigned 32-bit number. */
export function crc32cFinal(crc: number): number {
  return (crc ^ 0xffffffff) >>> 0;
}

/** CRC32C of `len` bytes of `buf` from `at` (the whole buffer by default). */
export function crc32c(buf: Uint8Array, at = 0, len = buf.length - at): number {
  return crc32cFinal(crc32cUpdate(CRC32C_SEED, buf, at, len));
}
