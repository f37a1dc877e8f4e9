/**
 * `errseq_t`: a writeback error cursor in one number, so each opener of a mapping sees every
 * error once. Layout as in the kernel: the low 12 bits hold the latest errno (positive), bit 12
 * says "seen" (someone reported this value), the bits above count errors recorded after a report.
 * @kernel lib/errseq.c, include/linux/errseq.h
 */

/** Bits of the errno field. @kernel MAX_ERRNO */
const MAX_ERRNO = 4095;
/** Set once the current value was reported to some opener. @kernel ERRSEQ_SEEN */
export const ERRSEQ_SEEN = 4096;
/** One step of the counter. @kernel ERRSEQ_CTR_INC */
const ERRSEQ_CTR_INC = 8192;

/**
 * The value after recording `err` (negative errno) in `eseq`. The counter moves only when the
 * previous value was seen, so errors nobody has reported yet collapse into the latest one.
 * A non-error `err` (0, or not in -1..-4095) leaves `eseq` unchanged.
 * @kernel lib/errseq.c errseq_set()
 */
export function errseqSet(eseq: number, err: number): number {
  if (err >= 0 || -err > MAX_ERRNO) return eseq;
  let next = eseq - (eseq % ERRSEQ_CTR_INC) + -err;
  if ((eseq & ERRSEQ_SEEN) !== 0) next += ERRSEQ_CTR_INC;
  return next;
}

/**
 * The cursor a new opener starts from: the current value if it was already seen, else 0, so an
 * error recorded before the open that nobody has reported yet is reported to this opener.
 * @kernel lib/errseq.c errseq_sample()
 */
export function errseqSample(eseq: number): number {
  return (eseq & ERRSEQ_SEEN) !== 0 ? eseq : 0;
}

/**
 * Compare cursor `since` with `eseq`: `{ err: 0 }` when nothing new happened, else the latest error
 * (negative errno) with `since` advanced to the current value, which is marked seen (`eseq` out).
 * @kernel lib/errseq.c errseq_check_and_advance()
 */
export function errseqCheckAndAdvance(eseq: number, since: number): { err: number; eseq: number; since: number } {
  if (eseq === since) return { err: 0, eseq, since };
  const seen = eseq | ERRSEQ_SEEN;
  return { err: -(seen & MAX_ERRNO), eseq: seen, since: seen };
}
