/**
 * Our port of the user side of gup_test (tools/testing/selftests/mm/gup_test.c) and of the command
 * lines run_vmtests.sh gives it (x86-64 plan: three single runs and run_gup_matrix()).
 *
 * Scaled down: the default area is 32 MiB instead of 128 MiB, and the hugetlb arm of the matrix uses
 * `-m 32` (16 pool pages of 2 MiB) instead of the script's free-hugepage budget. 32 MiB keeps page
 * 4096 inside the area, so `-ct -F 0x1 0 19 0x1000` still dumps three pages.
 */
import {
  FOLL_WRITE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, type MmStruct, PAGE_SIZE,
} from '../../src/index.ts';
import {
  type GupTestArgs, type GupTestCmd, type GupTestResult, gupTestIoctl, GUP_TEST_MAX_PAGES_TO_DUMP,
} from './gup-test-ioctl.ts';

const MB = 1 << 20;
/** The port's default area (gup_test.c: 128 MiB). */
export const GUP_TEST_DEFAULT_SIZE = 32 * MB;
/** The port's `-m` for the hugetlb arm of run_gup_matrix() (run_vmtests.sh: needmem_KB / 1024). */
export const GUP_MATRIX_HUGETLB_MB = 32;

/** A parsed gup_test command line. */
export interface GupTestOptions {
  cmd: GupTestCmd;
  size: number;
  nrPages: number;
  thp: -1 | 0 | 1;
  hugetlb: boolean;
  write: boolean;
  shared: boolean;
  testFlags: number;
  whichPages: number[];
}

const CMD_OF: Record<string, GupTestCmd> = {
  a: 'PIN_FAST_BENCHMARK', b: 'PIN_BASIC_TEST', L: 'PIN_LONGTERM_BENCHMARK', c: 'DUMP_USER_PAGES_TEST',
  u: 'GUP_FAST_BENCHMARK', U: 'GUP_BASIC_TEST',
};

/** getopt("habct:j:f:F:m:n:r:tTLUuwWSHpz") over `argv`, as gup_test.c's main() reads it. Throws on an unknown option. */
export function parseGupTestArgs(argv: readonly string[]): GupTestOptions {
  const o: GupTestOptions = {
    cmd: 'GUP_FAST_BENCHMARK', size: GUP_TEST_DEFAULT_SIZE, nrPages: 1, thp: -1, hugetlb: false,
    write: true, shared: false, testFlags: 0, whichPages: [],
  };
  const withArg = new Set(['F', 'm', 'n', 'r', 'j', 'f']);
  let k = 0;
  for (; k < argv.length; k++) {
    const a = argv[k]!;
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (withArg.has(c)) {
        const v = j + 1 < a.length ? a.slice(j + 1) : argv[++k]!;
        if (c === 'F') o.testFlags = Number.parseInt(v, v.startsWith('0x') ? 16 : 10);
        else if (c === 'm') o.size = Number.parseInt(v, 10) * MB;
        else if (c === 'n') o.nrPages = Number.parseInt(v, 10);
        break;
      }
      if (c in CMD_OF) o.cmd = CMD_OF[c]!;
      else if (c === 't') o.thp = 1;
      else if (c === 'T') o.thp = 0;
      else if (c === 'w') o.write = true;
      else if (c === 'W') o.write = false;
      else if (c === 'S') o.shared = true;
      else if (c === 'H') o.hugetlb = true;
      else throw new Error(`gup_test: unknown option -${c}`);
    }
  }
  // Page indices after the options: 0-based on the command line, 1-based in struct gup_test.
  if (o.cmd === 'DUMP_USER_PAGES_TEST') {
    for (; k < argv.length && o.whichPages.length < GUP_TEST_MAX_PAGES_TO_DUMP; k++) {
      o.whichPages.push(Number(argv[k]) + 1);
    }
  }
  return o;
}

/**
 * main(): map the area (/dev/zero, private or shared, optionally MAP_HUGETLB), apply the THP advice,
 * fault every page in by writing, run the ioctl, unmap. @kernel tools/testing/selftests/mm/gup_test.c main()
 */
export function gupTestMain(mm: MmStruct, o: GupTestOptions): GupTestResult & { hugeMapped: number } {
  const addr = mm.mmap(o.size, { shared: o.shared, ...(o.hugetlb ? { hugetlb: '2M' as const } : {}) });
  try {
    if (o.thp === 1) mm.madvise(addr, o.size, MADV_HUGEPAGE);
    else if (o.thp === 0) mm.madvise(addr, o.size, MADV_NOHUGEPAGE);
    const zero = new Uint8Array(1);
    for (let p = addr; p < addr + o.size; p += PAGE_SIZE) mm.write(p, zero);
    let hugeMapped = 0;
    for (let p = addr; p < addr + o.size; p += PAGE_SIZE) if (mm.pagemap(p).huge) hugeMapped++;
    const args: GupTestArgs = {
      addr, size: o.size, nrPagesPerCall: o.nrPages, gupFlags: o.write ? FOLL_WRITE : 0,
      testFlags: o.testFlags, whichPages: o.whichPages,
    };
    return { ...gupTestIoctl(mm, o.cmd, args), hugeMapped };
  } finally {
    mm.munmap(addr, o.size);
  }
}

/** run_vmtests.sh's gup_test command lines (x86-64), in its order: 3 single runs, then run_gup_matrix() (180). */
export function runVmtestsGupCommandLines(): string[][] {
  const out: string[][] = [['-u'], ['-a'], ['-ct', '-F', '0x1', '0', '19', '0x1000']];
  for (const huge of [['-t'], ['-T'], ['-H', '-m', String(GUP_MATRIX_HUGETLB_MB)]]) {
    for (const cmd of ['-u', '-U', '-a', '-b', '-L']) {
      for (const write of ['-w', '-W']) {
        for (const share of [['-S'], []]) {
          for (const num of ['1', '512', '123']) out.push([...huge, cmd, write, ...share, '-n', num]);
        }
      }
    }
  }
  return out;
}
