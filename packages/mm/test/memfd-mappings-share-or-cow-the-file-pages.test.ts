/**
 * A memfd mapped MAP_SHARED shares its pages between mappings and processes; mapped MAP_PRIVATE,
 * reads see the file's page and writes (or a R/O long-term pin, which unshares) get a private anon
 * copy, never changing the file. Pages outlive the fd while mapped and go with the last mapping.
 */
import { describe, expect, it } from 'vitest';
import {
  FOLL_LONGTERM, PAGE_SIZE, PG_anon, PROT_READ, PROT_WRITE, memfdClose, memfdCreate, pinUserPages, unpinUserPages,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

describe('memfd', () => {
  it('MAP_SHARED mappings share the page; a MAP_PRIVATE write copies it', () => {
    withMm({}, ({ mem, mm }) => {
      const fd = memfdCreate(mem);
      const s1 = mm.mmap(PAGE_SIZE, { file: fd, shared: true });
      const s2 = mm.mmap(PAGE_SIZE, { file: fd, shared: true });
      const p = mm.mmap(PAGE_SIZE, { file: fd });
      mm.write(s1, new Uint8Array([5]));
      expect(mm.read(s2, 1)[0]).toBe(5);
      expect(mm.read(p, 1)[0]).toBe(5);
      const filePage = mm.followPage(s1);
      expect(mm.followPage(p)).toBe(filePage);
      mm.mprotect(p, PAGE_SIZE, PROT_READ);
      mm.mprotect(p, PAGE_SIZE, PROT_READ | PROT_WRITE);
      mm.write(p, new Uint8Array([6]));
      expect(mm.followPage(p)).not.toBe(filePage);
      expect(mem.flags[mm.followPage(p)] & PG_anon).not.toBe(0);
      expect(mm.read(s2, 1)[0]).toBe(5);
      memfdClose(fd);
      expect(mm.read(s2, 1)[0]).toBe(5);
      mm.munmap(s1, PAGE_SIZE);
      mm.munmap(s2, PAGE_SIZE);
      mm.munmap(p, PAGE_SIZE);
      expect(mem.refcount[filePage]).toBe(0);
    });
  });

  it('a first write to a MAP_PRIVATE mapping copies the file page without mapping it', () => {
    withMm({}, ({ mem, mm }) => {
      const fd = memfdCreate(mem);
      const s = mm.mmap(2 * PAGE_SIZE, { file: fd, shared: true });
      mm.write(s + PAGE_SIZE, new Uint8Array([3]));
      const p = mm.mmap(PAGE_SIZE, { file: fd, offset: PAGE_SIZE });
      mm.write(p + 1, new Uint8Array([4]));
      expect(mm.read(p, 2)).toEqual(new Uint8Array([3, 4]));
      expect(mm.read(s + PAGE_SIZE, 2)).toEqual(new Uint8Array([3, 0]));
      memfdClose(fd);
    });
  });

  it('a R/O long-term pin on a MAP_PRIVATE mapping unshares the file page', () => {
    withMm({}, ({ mem, mm }) => {
      const fd = memfdCreate(mem);
      const p = mm.mmap(PAGE_SIZE, { file: fd });
      mm.read(p, 1);
      const filePage = mm.followPage(p);
      const pages = new Int32Array(1);
      expect(pinUserPages(mm, p, 1, FOLL_LONGTERM, pages)).toBe(1);
      expect(pages[0]).not.toBe(filePage);
      mm.write(p, new Uint8Array([9]));
      expect(mem.bytes[pages[0] * PAGE_SIZE]).toBe(9);
      unpinUserPages(mem, pages, 1);
      memfdClose(fd);
    });
  });

  it('rejects a closed fd and a bad offset with EINVAL', () => {
    withMm({}, ({ mem, mm }) => {
      const fd = memfdCreate(mem);
      expect(() => mm.mmap(PAGE_SIZE, { file: fd, offset: 100 })).toThrow(/EINVAL: mmap\(offset\)/);
      memfdClose(fd);
      expect(() => mm.mmap(PAGE_SIZE, { file: fd })).toThrow(/EINVAL: mmap\(file\)/);
    });
  });
});
