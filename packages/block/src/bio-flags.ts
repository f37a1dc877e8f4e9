/**
 * `bi_flags` accessors.
 * @kernel include/linux/bio.h bio_flagged(), bio_set_flag(), bio_clear_flag()
 */
import type { Bio } from './bio-types.ts';

/**
 * Whether `bit` is set. Like the 6.5 kernel (b9cc607a7f72) the test is one mask operation, so a caller
 * testing two flags with `||` costs what one test of the combined mask does.
 * @kernel include/linux/bio.h bio_flagged()
 */
export function bioFlagged(bio: Bio, bit: number): boolean {
  return (bio.bi_flags & (1 << bit)) !== 0;
}

/** @kernel include/linux/bio.h bio_set_flag() */
export function bioSetFlag(bio: Bio, bit: number): void {
  bio.bi_flags |= 1 << bit;
}

/** @kernel include/linux/bio.h bio_clear_flag() */
export function bioClearFlag(bio: Bio, bit: number): void {
  bio.bi_flags &= ~(1 << bit);
}
