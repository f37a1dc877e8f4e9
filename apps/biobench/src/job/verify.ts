/**
 * `--verify crc32c|md5|sha256`: each verify unit (the job's smallest block) of every write starts
 * with a 32-byte header, fio-style, followed by seeded pseudo-random data (or `verify_pattern`):
 *
 *   0 magic 'BBV1' · 4 crc32c of bytes 8..unit (crc32c mode; else 0) · 8 offset (u64 LE)
 *   16 generation · 20 unit length · 24 job seed · 28 mode (1 crc32c, 2 md5, 3 sha256)
 *   md5 / sha256: the digest of bytes 8..unit (digest field zeroed) at 32, then the data
 *
 * A read is good when magic, offset, length and checksum match and, when this run wrote the unit,
 * the generation is the last one written (an older one is a lost write). `--verify pattern` has no
 * header: every byte of the unit is `verify_pattern`, repeated, and a read must find exactly that.
 */
import { createHash } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import { fillPattern } from './buffers.ts';

export type VerifyMode = 'crc32c' | 'md5' | 'sha256' | 'pattern';
const MODE_ID: Record<VerifyMode, number> = { crc32c: 1, md5: 2, sha256: 3, pattern: 0 };
const DIGEST: Record<VerifyMode, number> = { crc32c: 0, md5: 16, sha256: 32, pattern: 0 };

/** How units are written and checked: the mode and the optional pattern. */
export interface VerifyFormat {
  mode: VerifyMode;
  pattern: Uint8Array | null;
}

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

function digestOf(v: UnitViews, k: number, f: VerifyFormat): Buffer {
  const dl = DIGEST[f.mode], d = v.data[k]!; // bytes 8..unit; the digest sits at 24..24+dl of it
  d.fill(0, 24, 24 + dl);
  return createHash(f.mode).update(d).digest();
}

/** Fill unit `k` of an IO with its header and data for `offset`, generation `gen`. */
export function fillUnit(v: UnitViews, k: number, offset: number, gen: number, seed: number, unit: number, f: VerifyFormat = CRC32C): void {
  const w = v.words[k]!;
  const bytes = new Uint8Array(w.buffer, w.byteOffset, unit);
  if (f.mode === 'pattern') return fillPattern(bytes, f.pattern!);
  const start = VERIFY_HEADER + DIGEST[f.mode];
  if (f.pattern) fillPattern(bytes.subarray(start), f.pattern);
  else {
    let x = (Math.imul(offset / unit, 0x9e3779b1) ^ Math.imul(gen, 0x85ebca6b) ^ seed) >>> 0 || 1;
    for (let i = start; i + 4 <= unit; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      w.setUint32(i, x >>> 0, true);
    }
  }
  w.setUint32(0, VERIFY_MAGIC, true);
  w.setUint32(8, offset % 4294967296, true);
  w.setUint32(12, Math.floor(offset / 4294967296), true);
  w.setUint32(16, gen, true);
  w.setUint32(20, unit, true);
  w.setUint32(24, seed, true);
  w.setUint32(28, MODE_ID[f.mode], true);
  w.setUint32(4, 0, true);
  if (f.mode === 'crc32c') w.setUint32(4, crc32c(v.data[k]!), true);
  else bytes.set(digestOf(v, k, f), VERIFY_HEADER);
}

const CRC32C: VerifyFormat = { mode: 'crc32c', pattern: null };

/** Unit `k` holds exactly the pattern? '' or where it differs. */
function checkPattern(v: UnitViews, k: number, unit: number, p: Uint8Array): string {
  const w = v.words[k]!;
  const bytes = new Uint8Array(w.buffer, w.byteOffset, unit);
  for (let i = 0; i < unit; i++) {
    if (bytes[i] !== p[i % p.length]) return `pattern mismatch at byte ${i} of the block: 0x${bytes[i]!.toString(16).padStart(2, '0')}, expected 0x${p[i % p.length]!.toString(16).padStart(2, '0')}`;
  }
  return '';
}

/**
 * Check unit `k` read from `offset`; `gen` is the generation this run last wrote there, or 0
 * when unknown (verify_only, layout). Returns '' when good, else what is wrong.
 */
export function checkUnit(v: UnitViews, k: number, offset: number, gen: number, unit: number, f: VerifyFormat = CRC32C): string {
  if (f.mode === 'pattern') return checkPattern(v, k, unit, f.pattern!);
  const w = v.words[k]!;
  if (w.getUint32(0, true) !== VERIFY_MAGIC) return `no verify header (magic ${hex(w.getUint32(0, true))}, expected ${hex(VERIFY_MAGIC)}): not written by a biobench verify job, or overwritten`;
  const at = w.getUint32(8, true) + w.getUint32(12, true) * 4294967296;
  if (at !== offset) return `header names offset ${at}: the block landed at the wrong place`;
  if (w.getUint32(20, true) !== unit) return `header names a ${w.getUint32(20, true)}-byte unit, expected ${unit}`;
  if (w.getUint32(28, true) !== MODE_ID[f.mode]) return `header names checksum mode ${w.getUint32(28, true)}, expected ${MODE_ID[f.mode]} (${f.mode}): written with another --verify`;
  if (f.mode === 'crc32c') {
    const want = w.getUint32(4, true), got = crc32c(v.data[k]!);
    if (want !== got) return `crc32c mismatch: header ${hex(want)}, data ${hex(got)} (corrupted data)`;
  } else {
    const at = w.byteOffset + VERIFY_HEADER, dl = DIGEST[f.mode];
    const want = Buffer.from(new Uint8Array(w.buffer, at, dl)); // a copy: digestOf zeroes the field
    const got = digestOf(v, k, f);
    new Uint8Array(w.buffer, at, dl).set(want);
    if (!got.equals(want)) return `${f.mode} mismatch: header ${want.toString('hex')}, data ${got.toString('hex')} (corrupted data)`;
  }
  const g = w.getUint32(16, true);
  if (gen !== 0 && g !== gen) return `stale block: generation ${g}, expected ${gen} (a lost write)`;
  return '';
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
