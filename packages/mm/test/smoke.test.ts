import { describe, expect, it } from 'vitest';
import { FOLL_WRITE, GUP_PIN_COUNTING_BIAS, pinUserPagesFast, unpinUserPages } from '../src/index.ts';
import { withMm } from './helpers.ts';

describe('smoke', () => {
  it('pins and unpins', () => {
    withMm({}, ({ mem, mm }) => {
      const a = mm.mmap(3 * 4096);
      mm.write(a, new Uint8Array([1, 2, 3]));
      const pages = new Int32Array(3);
      expect(pinUserPagesFast(mm, a, 3, FOLL_WRITE, pages)).toBe(3);
      expect(mem.refcount[pages[0]]).toBe(1 + GUP_PIN_COUNTING_BIAS);
      unpinUserPages(mem, pages, 3);
      expect(mm.read(a, 3)).toEqual(new Uint8Array([1, 2, 3]));
    });
  });
});
