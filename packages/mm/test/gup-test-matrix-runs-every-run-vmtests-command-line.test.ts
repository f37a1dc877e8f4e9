/**
 * Our port of gup_test (test/selftests/gup-test-*.ts) runs every command line run_vmtests.sh gives it
 * on x86-64 (183: `-u`, `-a`, `-ct -F 0x1 0 19 0x1000` and run_gup_matrix()'s THP on / THP off /
 * hugetlb x get-fast / get / pin-fast / pin / pin-longterm x write / read x shared / private x 1, 512,
 * 123 pages per call) under every profile. Each run must grab the whole area, find every page
 * DMA-pinned (and long-term pinnable for `-L`), dump what it was asked to, and give every reference
 * back. Every one of them is expressible.
 */
import { describe, expect, it } from 'vitest';
import {
  createMemMap, destroyMemMap, expectNoLeakedPins, MmStruct, PAGE_SIZE, PROFILES, snapshotPins,
} from '../src/index.ts';
import { gupTestMain, parseGupTestArgs, runVmtestsGupCommandLines } from './selftests/gup-test-main.ts';

const LINES = runVmtestsGupCommandLines();

describe.each(PROFILES.map((profile) => ({ profile })))('gup_test under $profile', ({ profile }) => {
  it('passes every expressible run_vmtests.sh command line', { timeout: 300_000 }, () => {
    const mem = createMemMap({ nrPages: 24 * 1024, profile, nrHugepages: { '2M': 16 } });
    const mm = new MmStruct(mem);
    let ran = 0;
    try {
      for (const argv of LINES) {
        const o = parseGupTestArgs(argv);
        const base = snapshotPins(mem);
        const r = gupTestMain(mm, o);
        const name = `gup_test ${argv.join(' ')}`;
        expect(r.ret, name).toBe(0);
        expect(r.size, name).toBe(o.size);
        expect(r.nrPages, name).toBe(o.size / PAGE_SIZE);
        expect(r.warnings, name).toEqual([]);
        const pages = o.size / PAGE_SIZE;
        if (o.hugetlb) expect(r.hugeMapped, name).toBe(pages);
        else if (o.thp === 1 && !o.shared) expect(r.hugeMapped, name).toBeGreaterThan(0);
        else expect(r.hugeMapped, name).toBe(0);
        if (o.cmd === 'DUMP_USER_PAGES_TEST') {
          expect(r.dumped.map((l) => l.split(':')[0]), name).toEqual(['---- page #0', '---- page #19', '---- page #4096']);
        }
        expectNoLeakedPins(mem, base);
        ran++;
      }
    } finally {
      mm.exit();
      destroyMemMap(mem);
    }
    expect(LINES).toHaveLength(183);
    expect(ran).toBe(183);
  });
});
