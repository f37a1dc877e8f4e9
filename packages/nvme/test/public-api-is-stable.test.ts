// The package surface block, page-cache and biobench build against: a change here is a visible
// diff in test/__snapshots__/public-api.txt (update it deliberately with `vitest -u`).
import { expect, it } from 'vitest';
import * as api from '../src/index.ts';

it('exports exactly the recorded names', async () => {
  const names = Object.keys(api).sort().map((k) => `${k}: ${typeof (api as Record<string, unknown>)[k]}`);
  await expect(names.join('\n') + '\n').toMatchFileSnapshot('./__snapshots__/public-api.txt');
});
