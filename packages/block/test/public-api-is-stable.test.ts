// The package surface nvme, page-cache and biobench build against: the declarations the compiler
// emits for every export of src/index.ts (signatures, class and interface members, constant types —
// not only the names), so any change is a visible diff in test/__snapshots__/public-api.txt
// (update it deliberately with `vitest -u`).
import { expect, it } from 'vitest';
import { publicApiDeclarations } from '@biopath/testing';
import * as block from '@biopath/block';

it('exports exactly the recorded declarations', async () => {
  const api = await publicApiDeclarations(new URL('../src/index.ts', import.meta.url));
  await expect(api).toMatchFileSnapshot('./__snapshots__/public-api.txt');
});

it('does not export __bioAddPage', () => {
  expect('__bioAddPage' in block).toBe(false);
});
