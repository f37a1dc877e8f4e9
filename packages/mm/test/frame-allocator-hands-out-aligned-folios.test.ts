/**
 * The frame allocator: naturally aligned folios of any order with refcount 1, the reserved zero page,
 * -ENOMEM when exhausted, and freeing at refcount zero merges buddies back.
 */
import { errno } from '@biopath/native';
import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_PAGE_ORDER, PG_reserved, PG_zero, allocPages, folioNrPages, getPage, pageBytes, pageFolio, putPage,
} from '../src/index.ts';
import { withMm } from './helpers.ts';

describe('allocPages', () => {
  it.each([0, 1, 2, 5])('order %i: aligned head, refcount 1 on the head only, every page maps to it', (order) => {
    withMm({ nrPages: 256 }, ({ mem }) => {
      const head = allocPages(mem, order);
      expect(head).toBeGreaterThan(0);
      expect(head % (1 << order)).toBe(0);
      expect(folioNrPages(mem, head)).toBe(1 << order);
      expect(mem.refcount[head]).toBe(1);
      for (let p = head; p < head + (1 << order); p++) expect(pageFolio(mem, p)).toBe(head);
      for (let p = head + 1; p < head + (1 << order); p++) expect(mem.refcount[p]).toBe(0);
      putPage(mem, head + (1 << order) - 1);
      expect(mem.refcount[head]).toBe(0);
    });
  });

  it('zeroes on request, and the zero page (pfn 0) is reserved and never handed out', () => {
    withMm({ nrPages: 16 }, ({ mem }) => {
      expect(mem.flags[mem.zeroPfn] & (PG_reserved | PG_zero)).toBe(PG_reserved | PG_zero);
      const held: number[] = [];
      for (let p = allocPages(mem, 0); p >= 0; p = allocPages(mem, 0)) held.push(p);
      expect(held.length).toBe(15);
      expect(held).not.toContain(mem.zeroPfn);
      expect(allocPages(mem, 0)).toBe(-errno.ENOMEM);
      pageBytes(mem, held[0]).fill(9);
      putPage(mem, held[0]);
      const again = allocPages(mem, 0, { zero: true });
      expect(again).toBe(held[0]);
      expect(pageBytes(mem, again).every((b) => b === 0)).toBe(true);
      held[0] = again;
      for (const p of held) putPage(mem, p);
    });
  });

  it('rejects orders beyond MAX_PAGE_ORDER or larger than memory with -ENOMEM', () => {
    withMm({ nrPages: 64 }, ({ mem }) => {
      expect(allocPages(mem, MAX_PAGE_ORDER + 1)).toBe(-errno.ENOMEM);
      expect(allocPages(mem, 6)).toBe(-errno.ENOMEM);
      expect(allocPages(mem, -1)).toBe(-errno.ENOMEM);
    });
  });

  it('a folio is freed only when its last reference goes', () => {
    withMm({ nrPages: 64 }, ({ mem }) => {
      const head = allocPages(mem, 1);
      const free = mem.nrFree;
      getPage(mem, head + 1);
      putPage(mem, head);
      expect(mem.nrFree).toBe(free);
      putPage(mem, head + 1);
      expect(mem.nrFree).toBe(free + 2);
    });
  });

  it('any alloc/free sequence keeps folios disjoint and merges back to the initial free state', () => {
    fc.assert(fc.property(fc.array(fc.record({ order: fc.nat(4), free: fc.nat(7) }), { maxLength: 60 }), (ops) => {
      withMm({ nrPages: 200 }, ({ mem }) => {
        const initial = mem.nrFree;
        const owner = new Int32Array(mem.nrPages).fill(-1);
        const live: number[] = [];
        for (const op of ops) {
          const head = allocPages(mem, op.order);
          if (head >= 0) {
            for (let p = head; p < head + (1 << op.order); p++) {
              expect(owner[p]).toBe(-1);
              owner[p] = head;
            }
            live.push(head);
          }
          if (op.free < 3 && live.length > 0) {
            const victim = live.splice(op.free % live.length, 1)[0]!;
            for (let p = victim; p < victim + folioNrPages(mem, victim); p++) owner[p] = -1;
            putPage(mem, victim);
          }
        }
        for (const h of live) putPage(mem, h);
        expect(mem.nrFree).toBe(initial);
        const big = allocPages(mem, 6);
        expect(big).toBeGreaterThan(0);
        putPage(mem, big);
      });
    }), propertyParams({ numRuns: 60 }));
  });
});
