/** mmap of a device range (being built): for now nothing can be mapped, so there is nothing to unmap. */
import type { AddressSpace } from './address-space.ts';

/** Unmap every live mapping of `as` (none yet). */
export async function munmapAll(as: AddressSpace, _writeback: boolean): Promise<void> {
  await Promise.resolve(as.runs.length);
}
