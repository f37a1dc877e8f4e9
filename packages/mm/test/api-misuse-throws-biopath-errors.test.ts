/**
 * API-edge misuse throws BiopathError with a Node-style code and a message naming the argument
 * (docs/ARCHITECTURE.md §5 Errors); nothing is left half-done.
 */
import { describe, expect, it } from 'vitest';
import { MmStruct, PAGE_SIZE, createMemMap, destroyMemMap, pageBytes } from '../src/index.ts';
import { codeOf, withMm } from './helpers.ts';


describe('createMemMap', () => {
  it.each([
    { opts: { nrPages: 1 }, arg: 'nrPages' },
    { opts: { nrPages: 2.5 }, arg: 'nrPages' },
    { opts: { nrPages: 8, profile: 'v9' as never }, arg: 'profile' },
    { opts: { nrPages: 8, bits: 16 as never }, arg: 'bits' },
  ])('rejects bad $arg with EINVAL', ({ opts, arg }) => {
    expect(() => createMemMap(opts)).toThrow(new RegExp(`EINVAL: createMemMap\\(${arg}\\)`));
  });
});

describe('MmStruct', () => {
  it('rejects bad mmap/munmap/mprotect arguments', () => {
    withMm({}, ({ mm }) => {
      expect(codeOf(() => mm.mmap(0))).toBe('EINVAL');
      expect(codeOf(() => mm.mmap(PAGE_SIZE, { prot: 8 }))).toBe('EINVAL');
      expect(codeOf(() => mm.mmap(PAGE_SIZE, { addr: 123 }))).toBe('EINVAL');
      expect(codeOf(() => mm.mmap(PAGE_SIZE, { folioOrder: 99 }))).toBe('EINVAL');
      expect(codeOf(() => mm.mmap(PAGE_SIZE, { addr: 0x7fff_ffff_f000 }))).toBe('ENOMEM');
      const a = mm.mmap(PAGE_SIZE);
      expect(codeOf(() => mm.munmap(a + 1, PAGE_SIZE))).toBe('EINVAL');
      expect(codeOf(() => mm.mprotect(a, PAGE_SIZE, 4))).toBe('EINVAL');
      expect(codeOf(() => mm.mprotect(a, 2 * PAGE_SIZE, 1))).toBe('ENOMEM');
    });
  });

  it('rejects buffer spans outside the buffer and negative lengths', () => {
    withMm({}, ({ mm }) => {
      const a = mm.mmap(PAGE_SIZE);
      expect(codeOf(() => mm.copyToUser(a, new Uint8Array(4), 2, 3))).toBe('EINVAL');
      expect(codeOf(() => mm.copyFromUser(new Uint8Array(4), a, -1))).toBe('EINVAL');
      expect(codeOf(() => mm.read(a, -1))).toBe('EINVAL');
      expect(mm.copyFromUser(new Uint8Array(4), a, 1, 3)).toBe(0);
    });
  });

  it('refuses use after exit and construction over a destroyed MemMap', () => {
    const mem = createMemMap({ nrPages: 8 });
    const mm = new MmStruct(mem);
    mm.exit();
    expect(codeOf(() => mm.mmap(PAGE_SIZE))).toBe('EINVAL');
    expect(codeOf(() => mm.fork())).toBe('EINVAL');
    destroyMemMap(mem);
    expect(codeOf(() => new MmStruct(mem))).toBe('EINVAL');
    expect(codeOf(() => pageBytes(mem, 8))).toBe('EINVAL');
  });
});
