/**
 * docs/KERNEL-SEMANTICS.md §2.2 / §2.6 step 1: invalid FOLL combinations are rejected with -EINVAL before
 * anything is faulted or pinned (and before MMF_HAS_PINNED is set).
 */
import { errno } from '@biopath/native';
import { describe, expect, it } from 'vitest';
import {
  FOLL_DUMP, FOLL_FAST_ONLY, FOLL_GET, FOLL_LONGTERM, FOLL_PCI_P2PDMA, FOLL_PIN, FOLL_REMOTE, FOLL_TOUCH,
  FOLL_WRITE, GUP_PIN_COUNTING_BIAS, MMF_HAS_PINNED, getUserPages, getUserPagesFast, pinUserPages, pinUserPagesFast,
  putPage, unpinUserPages,
} from '../src/index.ts';
import { populated, withMm } from './helpers.ts';

const gup = { pinUserPagesFast, pinUserPages, getUserPagesFast, getUserPages };
type GupName = keyof typeof gup;

const invalid: { name: string; fn: GupName; flags: number }[] = [
  { name: 'FOLL_PIN passed by the caller', fn: 'pinUserPagesFast', flags: FOLL_PIN },
  { name: 'FOLL_PIN to a get', fn: 'getUserPagesFast', flags: FOLL_PIN },
  { name: 'FOLL_GET to a pin (GET|PIN)', fn: 'pinUserPagesFast', flags: FOLL_GET },
  { name: 'FOLL_GET to a slow pin', fn: 'pinUserPages', flags: FOLL_GET | FOLL_WRITE },
  { name: 'FOLL_LONGTERM without pin', fn: 'getUserPagesFast', flags: FOLL_LONGTERM },
  { name: 'FOLL_LONGTERM without pin (slow)', fn: 'getUserPages', flags: FOLL_LONGTERM },
  { name: 'FOLL_LONGTERM|FOLL_PCI_P2PDMA', fn: 'pinUserPagesFast', flags: FOLL_LONGTERM | FOLL_PCI_P2PDMA },
  { name: 'FOLL_FAST_ONLY to the slow path', fn: 'pinUserPages', flags: FOLL_FAST_ONLY },
  { name: 'internal FOLL_TOUCH', fn: 'pinUserPagesFast', flags: FOLL_TOUCH },
  { name: 'internal FOLL_REMOTE', fn: 'getUserPagesFast', flags: FOLL_REMOTE },
  { name: 'unsupported FOLL_DUMP', fn: 'pinUserPagesFast', flags: FOLL_DUMP },
  { name: 'an unknown bit', fn: 'getUserPages', flags: 0x4000_0000 },
];

describe('invalid gup flags', () => {
  it.each(invalid)('$name -> -EINVAL, nothing grabbed', ({ fn, flags }) => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2);
      const rc = mem.refcount.slice();
      const pages = new Int32Array(2).fill(-1);
      expect(gup[fn](mm, a, 2, flags, pages)).toBe(-errno.EINVAL);
      expect(Array.from(pages)).toEqual([-1, -1]);
      expect(mem.refcount).toEqual(rc);
      expect(mm.flags & MMF_HAS_PINNED).toBe(0);
    });
  });

  it.each(Object.keys(gup) as GupName[])('%s without a pages array -> -EINVAL, nothing faulted', (fn) => {
    withMm({}, ({ mm }) => {
      const a = mm.mmap(2 * 4096);
      expect(gup[fn](mm, a, 2, FOLL_WRITE, null)).toBe(-errno.EINVAL);
      expect(mm.followPage(a)).toBe(-1);
    });
  });

  it.each([
    { name: 'FAST_ONLY fast pin', fn: 'pinUserPagesFast' as GupName, flags: FOLL_FAST_ONLY | FOLL_WRITE },
    { name: 'LONGTERM slow pin', fn: 'pinUserPages' as GupName, flags: FOLL_LONGTERM | FOLL_WRITE },
    { name: 'P2PDMA fast get', fn: 'getUserPagesFast' as GupName, flags: FOLL_PCI_P2PDMA },
    { name: 'WRITE slow get', fn: 'getUserPages' as GupName, flags: FOLL_WRITE },
  ])('valid: $name grabs every page', ({ fn, flags }) => {
    withMm({}, ({ mem, mm }) => {
      const a = populated(mm, 2);
      const rc = mem.refcount.slice();
      const pages = new Int32Array(2);
      expect(gup[fn](mm, a, 2, flags, pages)).toBe(2);
      const pin = fn.startsWith('pin');
      for (const p of pages) expect(mem.refcount[p] - rc[p]).toBe(pin ? GUP_PIN_COUNTING_BIAS : 1);
      if (pin) unpinUserPages(mem, pages, 2);
      else for (const p of pages) putPage(mem, p);
    });
  });
});
