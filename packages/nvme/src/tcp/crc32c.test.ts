import { describe, expect, it } from 'vitest';
import { crc32c, crc32cFinal, crc32cUpdate, CRC32C_SEED } from './crc32c.ts';

describe('crc32c', () => {
  it('matches the CRC-32C check value for "123456789" (0xE3069283)', () => {
    expect(crc32c(Buffer.from('123456789', 'ascii'))).toBe(0xe3069283);
  });

  it('matches the iSCSI (RFC 3720 B.4) vectors: 32 zero bytes and 32 0xff bytes', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it('gives the same digest whether the bytes come in one piece or several', () => {
    const b = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
    let c = CRC32C_SEED;
    for (let at = 0; at < b.length; at += 97) c = crc32cUpdate(c, b, at, Math.min(97, b.length - at));
    expect(crc32cFinal(c)).toBe(crc32c(b));
    expect(crc32c(b, 10, 20)).toBe(crc32c(b.slice(10, 30)));
  });
});
