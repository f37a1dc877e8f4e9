// The package surface other packages build against (README "API"): the declarations the compiler
// emits for every export of src/index.ts (signatures, class and interface members, constant types —
// not only the names), so any change is a visible diff in test/__snapshots__/public-api.txt
// (update it deliberately with `vitest -u`).
import { expect, it } from 'vitest';
import { publicApiDeclarations } from '@biopath/testing';
import * as mm from '../src/index.ts';

it('exports exactly the recorded declarations', async () => {
  const api = await publicApiDeclarations(new URL('../src/index.ts', import.meta.url));
  await expect(api).toMatchFileSnapshot('./__snapshots__/public-api.txt');
});

it('keeps the kernel constants the contract fixes', () => {
  expect([mm.PAGE_SIZE, mm.PAGE_SHIFT, mm.GUP_PIN_COUNTING_BIAS]).toEqual([4096, 12, 1024]);
  expect([mm.FOLL_WRITE, mm.FOLL_GET, mm.FOLL_NOFAULT, mm.FOLL_LONGTERM, mm.FOLL_PIN, mm.FOLL_FAST_ONLY, mm.FOLL_PCI_P2PDMA])
    .toEqual([0x01, 0x04, 0x80, 0x10000, 0x40000, 0x80000, 0x100000]);
  expect([mm.PROT_NONE, mm.PROT_READ, mm.PROT_WRITE, mm.MADV_DONTFORK, mm.MADV_DOFORK]).toEqual([0, 1, 2, 10, 11]);
});
