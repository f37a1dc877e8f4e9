/**
 * docs/ARCHITECTURE.md's kernel twin table is generated from the `@kernel` / `@liburing` tags in
 * packages/<pkg>/src (tools/kernel-twins.mjs). This test fails when the table no longer matches the
 * tags — after any tag is added, changed or moved — until `node tools/kernel-twins.mjs --write` is
 * rerun; and it checks the generator still understands the tag formats in use.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// tools/ is not a package: load the generator by URL (types from tools/kernel-twins.d.mts).
type KernelTwins = typeof import('../../../tools/kernel-twins.mjs');
const generator = new URL('../../../tools/kernel-twins.mjs', import.meta.url).href;
const { check, collect, currentBlock, DOC, FIX, parseTag, ROOT, UNNAMED } = (await import(generator)) as KernelTwins;

it('the table in docs/ARCHITECTURE.md matches the @kernel tags of the sources', () => {
  const r = check();
  expect(r.ok, `${r.summary}\n\nFix: ${FIX}`).toBe(true);
});

it('the command-line check agrees (what a contributor runs)', () => {
  const r = spawnSync(process.execPath, ['tools/kernel-twins.mjs', '--check'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  expect(r.status, `${r.stdout}${r.stderr}\nFix: ${FIX}`).toBe(0);
});

it('every tag yields rows, and the known twins of the bio path are listed with their files', () => {
  const { tags, rows } = collect('kernel');
  expect(tags).toBeGreaterThanOrEqual(400);
  expect(rows.length).toBeGreaterThanOrEqual(tags);
  const has = (file: string, symbol: string, source: string, name: string): boolean =>
    rows.some((r) => r.file === file && r.symbol === symbol && r.source === source && r.name === name);
  expect(has('lib/iov_iter.c', 'iov_iter_extract_pages()', 'iov-iter/src/extract.ts', 'iovIterExtractPages')).toBe(true);
  expect(has('block/bio.c', 'bio_iov_iter_get_pages()', 'block/src/bio-iov-iter.ts', 'bioIovIterGetPages')).toBe(true);
  expect(has('block/fops.c', 'blkdev_direct_IO()', 'block/src/blkdev-dio.ts', 'blkdevDirectIO')).toBe(true);
  expect(has('include/linux/bio.h', 'bio_release_pages()', 'block/src/bio-release.ts', 'bioReleasePages')).toBe(true);
  expect(has('mm/gup.c', 'pin_user_pages_fast()', 'mm/src/internal/gup.ts', 'pinUserPagesFast')).toBe(true);
  // a member: the name is Parent.member
  expect(has('include/linux/mm_types.h', 'mm_struct.write_protect_seq', 'mm/src/internal/mm-struct.ts', 'MmStruct.writeProtectSeq')).toBe(true);
  // every biopath file named exists, and the table has rows for each major package
  for (const r of rows) expect(existsSync(join(ROOT, 'packages', r.source)), r.source).toBe(true);
  for (const pkg of ['mm', 'iov-iter', 'block', 'nvme', 'page-cache']) expect(rows.some((r) => r.source.startsWith(`${pkg}/src/`))).toBe(true);
  expect(rows.filter((r) => r.file === UNNAMED).length).toBeLessThan(rows.length / 5);
  const doc = readFileSync(DOC, 'utf8');
  expect(currentBlock(doc)).toContain('| `lib/iov_iter.c` | `iov_iter_extract_pages()` | `iov-iter/src/extract.ts` | `iovIterExtractPages` |');
});

it('the liburing table lists the prep helpers', () => {
  const { rows } = collect('liburing');
  expect(rows.some((r) => r.symbol === 'io_uring_prep_read()' && r.name === 'prepRead')).toBe(true);
});

it('parses the tag formats in use: several files and symbols, remarks, version markers, an em dash', () => {
  expect(parseTag('block/bio.c bio_release_page(), __bio_release_pages(); include/linux/bio.h bio_release_pages()')).toEqual([
    { file: 'block/bio.c', symbol: 'bio_release_page()' },
    { file: 'block/bio.c', symbol: '__bio_release_pages()' },
    { file: 'include/linux/bio.h', symbol: 'bio_release_pages()' },
  ]);
  expect(parseTag('include/linux/blk_types.h bio_op() / req_op() */')).toEqual([
    { file: 'include/linux/blk_types.h', symbol: 'bio_op()' },
    { file: 'include/linux/blk_types.h', symbol: 'req_op()' },
  ]);
  expect(parseTag('lib/iov_iter.c (v8) iov_iter_extract_pipe_pages(), (v6.2) pipe_get_pages()')).toEqual([
    { file: 'lib/iov_iter.c', symbol: 'iov_iter_extract_pipe_pages() (v8)' },
    { file: 'lib/iov_iter.c', symbol: 'pipe_get_pages() (v6.2)' },
  ]);
  expect(parseTag('mm/gup.c unpin_user_page() — drop one pin from the folio holding `pfn`. */')).toEqual([
    { file: 'mm/gup.c', symbol: 'unpin_user_page()' },
  ]);
  expect(parseTag('include/linux/blkdev.h BLK_DEF_MAX_SECTORS_CAP (1280 KiB) */')).toEqual([
    { file: 'include/linux/blkdev.h', symbol: 'BLK_DEF_MAX_SECTORS_CAP' },
  ]);
  expect(parseTag('include/linux/folio_queue.h')).toEqual([{ file: 'include/linux/folio_queue.h', symbol: '' }]);
  expect(parseTag('folioq_count() */')).toEqual([{ file: null, symbol: 'folioq_count()' }]);
});
