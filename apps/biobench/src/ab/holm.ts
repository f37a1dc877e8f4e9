/** Family-wise error control for the secondary metrics of an A/B comparison. */

/**
 * Holm's step-down over p-values: which hypotheses are rejected at family-wise level `alpha`
 * (Holm, "A simple sequentially rejective multiple test procedure", Scand. J. Statist. 6, 1979).
 */
export function holm(ps: readonly number[], alpha: number): boolean[] {
  const idx = ps.map((_, i) => i).sort((a, b) => ps[a]! - ps[b]!);
  const out = ps.map(() => false);
  for (let k = 0; k < idx.length; k++) {
    if (ps[idx[k]!]! > alpha / (idx.length - k)) break;
    out[idx[k]!] = true;
  }
  return out;
}
