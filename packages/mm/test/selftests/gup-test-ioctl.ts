/**
 * Our port of the kernel side of gup_test (the debugfs ioctl of mm/gup_test.c): grab the user range
 * `nr_pages_per_call` pages at a time with the command's GUP entry point, verify the DMA-pinned (and,
 * for PIN_LONGTERM_BENCHMARK, long-term pinnable) state of every page, dump the requested pages, and
 * put them all back. Timings are left out (they belong to benchmarks); what a run returns is what the
 * kernel writes back into `struct gup_test` plus the warnings it would print.
 */
import {
  dumpPage, FOLL_LONGTERM, folioIsLongtermPinnable, folioMaybeDmaPinned, getUserPages, getUserPagesFast,
  type MmStruct, PAGE_SIZE, pinUserPages, pinUserPagesFast, putPage, unpinUserPages,
} from '../../src/index.ts';

/** The ioctl commands of gup_test.h, by name. */
export type GupTestCmd =
  | 'GUP_FAST_BENCHMARK' | 'GUP_BASIC_TEST' | 'PIN_FAST_BENCHMARK' | 'PIN_BASIC_TEST'
  | 'PIN_LONGTERM_BENCHMARK' | 'DUMP_USER_PAGES_TEST';

/** GUP_TEST_FLAG_DUMP_PAGES_USE_PIN: the dump test pins instead of getting. */
export const GUP_TEST_FLAG_DUMP_PAGES_USE_PIN = 0x1;
export const GUP_TEST_MAX_PAGES_TO_DUMP = 8;

/** struct gup_test, the fields the port uses. `whichPages` are 1-based (0 = unused), as in the kernel. */
export interface GupTestArgs {
  addr: number;
  size: number;
  nrPagesPerCall: number;
  gupFlags: number;
  testFlags: number;
  whichPages: number[];
}

/** What one ioctl did. */
export interface GupTestResult {
  /** ioctl return: 0 or -errno */
  ret: number;
  /** gup->size written back: bytes covered before the loop stopped */
  size: number;
  /** pages grabbed in total */
  nrPages: number;
  /** verify_dma_pinned() WARNs: pages not maybe-DMA-pinned, or (longterm) not longterm-pinnable */
  warnings: string[];
  /** dump_pages_test() output lines */
  dumped: string[];
}

function isPinCmd(cmd: GupTestCmd, testFlags: number): boolean {
  return cmd === 'PIN_FAST_BENCHMARK' || cmd === 'PIN_BASIC_TEST' || cmd === 'PIN_LONGTERM_BENCHMARK' ||
    (cmd === 'DUMP_USER_PAGES_TEST' && (testFlags & GUP_TEST_FLAG_DUMP_PAGES_USE_PIN) !== 0);
}

/** One GUP call of `cmd`. */
function grab(mm: MmStruct, cmd: GupTestCmd, a: GupTestArgs, addr: number, nr: number, pages: Int32Array, i: number): number {
  switch (cmd) {
    case 'GUP_FAST_BENCHMARK': return getUserPagesFast(mm, addr, nr, a.gupFlags, pages, i);
    case 'GUP_BASIC_TEST': return getUserPages(mm, addr, nr, a.gupFlags, pages, i);
    case 'PIN_FAST_BENCHMARK': return pinUserPagesFast(mm, addr, nr, a.gupFlags, pages, i);
    case 'PIN_BASIC_TEST': return pinUserPages(mm, addr, nr, a.gupFlags, pages, i);
    case 'PIN_LONGTERM_BENCHMARK': return pinUserPages(mm, addr, nr, a.gupFlags | FOLL_LONGTERM, pages, i);
    case 'DUMP_USER_PAGES_TEST':
      return (a.testFlags & GUP_TEST_FLAG_DUMP_PAGES_USE_PIN) !== 0
        ? pinUserPages(mm, addr, nr, a.gupFlags, pages, i)
        : getUserPages(mm, addr, nr, a.gupFlags, pages, i);
  }
}

/** The ioctl. @kernel mm/gup_test.c __gup_test_ioctl() */
export function gupTestIoctl(mm: MmStruct, cmd: GupTestCmd, a: GupTestArgs): GupTestResult {
  const mem = mm.mem;
  const nrPages = Math.floor(a.size / PAGE_SIZE);
  const pages = new Int32Array(nrPages).fill(-1);
  const end = a.addr + a.size;
  let i = 0;
  let nr = a.nrPagesPerCall;
  let addr = a.addr;
  for (let next: number; addr < end; addr = next) {
    if (nr !== a.nrPagesPerCall) break;
    next = addr + nr * PAGE_SIZE;
    if (next > end) {
      next = end;
      nr = (next - addr) / PAGE_SIZE;
    }
    nr = grab(mm, cmd, a, addr, nr, pages, i);
    if (nr <= 0) break;
    i += nr;
  }
  const warnings: string[] = [];
  const pin = isPinCmd(cmd, a.testFlags);
  // verify_dma_pinned()
  if (pin) {
    for (let k = 0; k < i; k++) {
      if (!folioMaybeDmaPinned(mem, pages[k]!)) warnings.push(`pages[${k}] is NOT dma-pinned`);
      else if (cmd === 'PIN_LONGTERM_BENCHMARK' && !folioIsLongtermPinnable(mem, pages[k]!)) {
        warnings.push(`pages[${k}] is NOT pinnable but pinned`);
      }
    }
  }
  const dumped: string[] = [];
  if (cmd === 'DUMP_USER_PAGES_TEST') {
    for (const w of a.whichPages) {
      if (w === 0) continue;
      if (w > i) { dumped.push(`ZEROING due to out of range: ${w}`); continue; }
      dumped.push(`---- page #${w - 1}: ${dumpPage(mem, pages[w - 1]!)}`);
    }
  }
  // put_back_pages()
  if (pin) unpinUserPages(mem, pages, i);
  else for (let k = 0; k < i; k++) putPage(mem, pages[k]!);
  return { ret: 0, size: addr - a.addr, nrPages: i, warnings, dumped };
}
