// The package's public surface is explicit: a snapshot of the export names makes any change a
// visible diff, and `__bioAddPage` (caller-guaranteed preconditions) is never exported.
import { expect, it } from 'vitest';
import * as block from '@biopath/block';

it('exports exactly the documented API', () => {
  expect(Object.keys(block).sort()).toMatchSnapshot();
});

it('does not export __bioAddPage', () => {
  expect('__bioAddPage' in block).toBe(false);
});
