/**
 * `--verify crc32c`: each verify unit (the job's smallest block) of every write starts with a
 * 32-byte header, fio-style, followed by seeded pseudo-random data:
 *
 *   0 magic 'BBV1' · 4 crc32c of bytes 8..unit · 8 offset (u64 LE) · 16 generation · 20 unit length
 *   24 job seed · 28 reserved
 *
 * A read is good when magic, offset, length and crc32c match and, when this run wrote the unit,
 * the generation is the last one written (an older one is a lost write).
 */
import { crc32c } from '@node-rs/crc32';

export const VERIFY_MAGIC = 0x31564242; // 'BBV1' little-endian
export const VERIFY_HEADER = 32;

export interface Mismatch {
  offset: number;
  reason: string;
}

/** Views of one io_u buffer per verify unit, made once per job (no allocation per IO). */
export class UnitViews {
  readonly data: Uint8Array[];
  readonly words: DataView[];

  constructor(buf: Uint8Array, unit: number) {
    const n = Math.floor(buf.length / unit);
    this.data = [];
    this.words = [];
    for (let i = 0; i < n; i++) {
      this.data.push(buf.subarray(i * unit + 8, (i + 1) * unit));
      this.words.push(new DataView(buf.buffer, buf.byteOffset + i * unit, unit));
    }
  }
}

/** Fill unit `k` of an IO with its header and data for `offset`, generation `gen`. */
export function fillUnit(v: UnitViews, k: number, offset: number, gen: number, seed: number, unit: number): void {
  const w = v.words[k]!;
  let x = (Math.imul(offset / unit, 0x9e3779b1) ^ Math.imul(gen, 0x85ebca6b) ^ seed) >>> 0 || 1;
  for (let i = VERIFY_HEADER; i + 4 <= unit; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    w.setUint32(i, x >>> 0, true);
  }
  w.setUint32(0, VERIFY_MAGIC, true);
  w.setUint32(8, offset % 4294967296, true);
  w.setUint32(12, Math.floor(offset / 4294967296), true);
  w.setUint32(16, gen, true);
  w.setUint32(20, unit, true);
  w.setUint32(24, seed, true);
  w.setUint32(28, 0, true);
  w.setUint32(4, crc32c(v.data[k]!), true);
}

/**
 * Check unit `k` read from `offset`; `gen` is the generation this run last wrote there, or 0
 * when unknown (verify_only, layout). Returns '' when good, else what is wrong.
 */
export function checkUnit(v: UnitViews, k: number, offset: number, gen: number, unit: number): string {
  const w = v.words[k]!;
  if (w.getUint32(0, true) !== VERIFY_MAGIC) return `no verify header (magic ${hex(w.getUint32(0, true))}, expected ${hex(VERIFY_MAGIC)}): not written by a biobench verify job, or overwritten`;
  const at = w.getUint32(8, true) + w.getUint32(12, true) * 4294967296;
  if (at !== offset) return `header names offset ${at}: the block landed at the wrong place`;
  if (w.getUint32(20, true) !== unit) return `header names a ${w.getUint32(20, true)}-byte unit, expected ${unit}`;
  const want = w.getUint32(4, true), got = crc32c(v.data[k]!);
  if (want !== got) return `crc32c mismatch: header ${hex(want)}, data ${hex(got)} (corrupted data)`;
  const g = w.getUint32(16, true);
  if (gen !== 0 && g !== gen) return `stale block: generation ${g}, expected ${gen} (a lost write)`;
  return '';
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
