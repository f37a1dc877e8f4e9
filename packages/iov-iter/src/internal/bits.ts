const TWO32 = 2 ** 32;

/** Bitwise OR of two non-negative integers below 2^53 (JS `|` only sees 32 bits). */
export function or53(a: number, b: number): number {
  const hi = (Math.floor(a / TWO32) | Math.floor(b / TWO32)) >>> 0;
  return hi * TWO32 + (((a >>> 0) | (b >>> 0)) >>> 0);
}

/** Whether `x` (a non-negative integer below 2^53) has any bit of the 32-bit `mask` set. */
export function hits(x: number, mask: number): boolean {
  return ((x >>> 0) & mask) !== 0;
}
