/**
 * ITER_PIPE (profiles `legacy`, `v8`): extraction appends pages the pipe owns; reverting the iterator
 * releases them even though the caller (a bio) still lists them: the model exposes the use-after-free
 * of the splice_read revert hazard. Profile `merged` has no ITER_PIPE (example 41).
 */
import { PAGE_SIZE, allocPages, putPage, type Profile } from '@biopath/mm';
import { describe, expect, test } from 'vitest';
import {
  ITER_DEST, ITER_SOURCE, copyToIter, createIovIter, createPipe, iovIterExtractMode, iovIterExtractPages,
  iovIterGetPages2, iovIterPipe, iovIterRevert, pipeBuf, pipeDrain, pipeOccupancy, type PagesRef,
} from '../src/index.ts';
import { pattern, withEnv } from './helpers.ts';

describe('profile v8: extract pipe pages, then revert', () => {
  test('the pipe holds the only reference; reverting frees pages the bio still lists', () => {
    withEnv('v8', ({ mem }) => {
      const pipe = createPipe(mem);
      const i = iovIterPipe(createIovIter(), ITER_DEST, pipe, 3 * PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      const r = iovIterExtractPages(i, pages, 2 * PAGE_SIZE, 8, 0);
      expect(r).toEqual({ bytes: 2 * PAGE_SIZE, offset0: 0 });
      expect(iovIterExtractMode(i)).toBe(0);
      const bioPages = Array.from(pages.pages!);
      expect(pipeOccupancy(pipe)).toBe(2);
      expect(bioPages.map((p) => mem.refcount[p])).toEqual([1, 1]);
      expect(bioPages).toEqual([pipeBuf(pipe, 0).page, pipeBuf(pipe, 1).page]);
      iovIterRevert(i, 2 * PAGE_SIZE);
      expect(pipeOccupancy(pipe)).toBe(0);
      expect(i.count).toBe(3 * PAGE_SIZE);
      expect(bioPages.map((p) => mem.refcount[p]), 'pages freed while still under DMA').toEqual([0, 0]);
      const reused = allocPages(mem, 0);
      expect(bioPages).toContain(reused);
      putPage(mem, reused);
    });
  });

  test('a partial revert only shortens the last buffer; extraction continues a partly filled page', () => {
    withEnv('v8', ({ mem }) => {
      const pipe = createPipe(mem, 2);
      const i = iovIterPipe(createIovIter(), ITER_DEST, pipe, 3 * PAGE_SIZE);
      const pages: PagesRef = { pages: null };
      iovIterExtractPages(i, pages, 100, 8, 0);
      const first = pages.pages![0]!;
      pages.pages = null;
      const r = iovIterExtractPages(i, pages, 5000, 8, 0);
      expect(r).toEqual({ bytes: 5000, offset0: 100 });
      expect(pages.pages![0]).toBe(first);
      iovIterRevert(i, 1000);
      expect(pipeOccupancy(pipe)).toBe(2);
      expect(pipeBuf(pipe, 1).len).toBe(5100 - PAGE_SIZE - 1000);
      expect(iovIterExtractPages(i, { pages: null }, Infinity, 8, 0).bytes).toBe(PAGE_SIZE - (5100 - PAGE_SIZE - 1000));
      expect(iovIterExtractPages(i, { pages: null }, Infinity, 8, 0).bytes).toBe(-14);
      pipeDrain(pipe);
    });
  });
});

describe.each<Profile>(['legacy', 'v8'])('profile %s pipe data and references', (profile) => {
  test('copyToIter fills pipe pages; get_pages2 gives the caller its own reference', () => {
    withEnv(profile, ({ mem }) => {
      const pipe = createPipe(mem);
      const i = iovIterPipe(createIovIter(), ITER_DEST, pipe, 2 * PAGE_SIZE);
      const data = pattern(300, 5);
      expect(copyToIter(data, 300, i)).toBe(300);
      const b = pipeBuf(pipe, 0);
      expect(mem.bytes.subarray(b.page * PAGE_SIZE, b.page * PAGE_SIZE + 300)).toEqual(data);
      const pages = new Int32Array(2);
      const r = iovIterGetPages2(i, pages, Infinity, 2);
      expect(r).toEqual({ bytes: 2 * PAGE_SIZE - 300, offset0: 300 });
      expect([mem.refcount[pages[0]!], mem.refcount[pages[1]!]]).toEqual([2, 2]);
      putPage(mem, pages[0]!);
      putPage(mem, pages[1]!);
      pipeDrain(pipe);
    });
  });
});

describe.each<Profile>(['merged', 'current'])('profile %s', (profile) => {
  test('has no ITER_PIPE', () => {
    withEnv(profile, ({ mem }) => {
      expect(() => iovIterPipe(createIovIter(), ITER_DEST, createPipe(mem), 10)).toThrow(/ITER_PIPE does not exist in profile/);
    });
  });
});

test('a pipe iterator is READ only', () => {
  withEnv('v8', ({ mem }) => {
    expect(() => iovIterPipe(createIovIter(), ITER_SOURCE, createPipe(mem), 10)).toThrow(/READ only/);
  });
});
