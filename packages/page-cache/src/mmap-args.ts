/**
 * `mmap`'s argument checks, run before anything is allocated: the range, the fault server spec and
 * the fault-around size. Each throws a coded `BiopathError` naming the argument.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PAGE_SIZE } from '@biopath/mm';
import type { AddressSpace } from './address-space.ts';
import { BiopathError } from './internal/native.ts';
import type { FaultServerSpec } from './mmap-types.ts';

/** The kernel's default `fault_around_bytes`. @kernel mm/memory.c fault_around_bytes */
export const FAULT_AROUND_BYTES = 65536;

/** EINVAL unless `offset` is page-aligned and `[offset, offset + length)` lies inside `as`. */
export function checkMmapRange(as: AddressSpace, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset % PAGE_SIZE !== 0) {
    throw new BiopathError('EINVAL', `mmap(offset): ${offset} is not a page-aligned offset`);
  }
  if (!Number.isSafeInteger(length) || length <= 0 || offset + length > as.i_size) {
    throw new BiopathError('EINVAL', `mmap(length): ${length} bytes from ${offset} do not fit in ${as.i_size}`);
  }
}

/** `opts.faultAroundBytes`, or the default when omitted; EINVAL unless a power of two in 4 KiB..2 MiB. */
export function checkFaultAround(v: unknown): number {
  if (v === undefined) return FAULT_AROUND_BYTES;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < PAGE_SIZE || v > 2 << 20 || (v & (v - 1)) !== 0) {
    throw new BiopathError('EINVAL', `mmap(opts.faultAroundBytes): ${String(v)} is not a power of two from ${PAGE_SIZE} to ${2 << 20}`);
  }
  return v;
}

/** Check the fault server spec before anything is allocated: EINVAL, or ENOENT for a missing file. */
export function checkFaultServer(spec: FaultServerSpec | null): FaultServerSpec {
  if (spec === null) throw new BiopathError('EINVAL', 'mmap(opts.faultServer): no fault server for this address space');
  if (typeof spec !== 'object' || typeof spec.module !== 'string' || spec.module === '') {
    throw new BiopathError('EINVAL', 'mmap(opts.faultServer.module): not a module specifier string');
  }
  if (spec.module.startsWith('file:')) {
    let path: string;
    try {
      path = fileURLToPath(spec.module);
    } catch {
      throw new BiopathError('EINVAL', `mmap(opts.faultServer.module): ${spec.module} is not a valid file URL`);
    }
    if (!existsSync(path)) throw new BiopathError('ENOENT', `mmap(opts.faultServer.module): ${spec.module} does not exist`);
  }
  return spec;
}
