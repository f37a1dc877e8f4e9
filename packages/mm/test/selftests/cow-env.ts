/**
 * The environment a ported cow.c test runs in: one process (MmStruct) on a profile's MemMap, the
 * processes it forks, the pipes it opens, and probe-based "memset"/"memcmp".
 *
 * cow.c memsets and memcmps the whole area. The port writes and compares one byte per probe: one per
 * 4 KiB page, at most 512 spread evenly (a 1 GiB hugetlb page gets one per 2 MiB). Faults and COW act
 * on whole pages (hugetlb: whole folios), so a probe per page sees every page that was or was not
 * copied; where fewer probes than pages are used, the pages between share a folio with a probe.
 */
import {
  freePipeInfo, PAGE_SIZE, type MemMap, MmStruct, type PipeInodeInfo, allocPipeInfo,
} from '../../src/index.ts';

/** Result of one test instance, as cow.c's ksft_test_result_*(). */
export type Outcome = 'pass' | 'fail' | 'skip';

export class CowEnv {
  readonly mem: MemMap;
  readonly mm: MmStruct;
  private readonly mms: MmStruct[] = [];
  private readonly pipes: PipeInodeInfo[] = [];

  constructor(mem: MemMap) {
    this.mem = mem;
    this.mm = this.track(new MmStruct(mem));
  }

  /** fork() of the test process; the child is exited at teardown if the test did not. */
  fork(mm: MmStruct = this.mm): MmStruct {
    return this.track(mm.fork());
  }

  track(mm: MmStruct): MmStruct {
    this.mms.push(mm);
    return mm;
  }

  /** pipe(2). */
  pipe(): PipeInodeInfo {
    const p = allocPipeInfo(this.mem);
    this.pipes.push(p);
    return p;
  }

  /** Exit every process and close every pipe. */
  teardown(): void {
    for (const p of this.pipes) freePipeInfo(p);
    for (const m of this.mms) m.exit();
  }
}

/** Byte offsets the port writes and compares in an area of `size` bytes. */
export function probeOffsets(size: number): number[] {
  const stride = Math.max(PAGE_SIZE, Math.floor(size / 512 / PAGE_SIZE) * PAGE_SIZE);
  const out: number[] = [];
  for (let off = 0; off < size; off += stride) out.push(off + ((off / PAGE_SIZE) % PAGE_SIZE));
  return out;
}

/** memset(mem, value, size), at the probes. */
export function fillProbes(mm: MmStruct, addr: number, size: number, value: number): void {
  const b = new Uint8Array([value]);
  for (const off of probeOffsets(size)) mm.write(addr + off, b);
}

/** The probe bytes the process reads at `addr`. */
export function readProbes(mm: MmStruct, addr: number, size: number): Uint8Array {
  const offs = probeOffsets(size);
  const out = new Uint8Array(offs.length);
  offs.forEach((off, i) => { out[i] = mm.read(addr + off, 1)[0]!; });
  return out;
}

/** The probe bytes as seen through pinned frames `pages` (one pfn per 4 KiB page of the area). */
export function readProbesViaPages(mem: MemMap, pages: Int32Array, size: number): Uint8Array {
  const offs = probeOffsets(size);
  const out = new Uint8Array(offs.length);
  offs.forEach((off, i) => { out[i] = mem.bytes[pages[Math.floor(off / PAGE_SIZE)]! * PAGE_SIZE + (off % PAGE_SIZE)]!; });
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
