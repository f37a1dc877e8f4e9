import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionsMarkdown } from '../src/options/docs.ts';
import { OPTION_TABLE } from '../src/options/table.ts';
import { flagOf } from '../src/options/def.ts';
import { biobench } from './helpers.ts';

describe('OPTIONS.md', () => {
  it('is exactly what the generator makes from the table (run `npx tsx apps/biobench/src/gen-options-md.ts`)', () => {
    const committed = readFileSync(new URL('../OPTIONS.md', import.meta.url), 'utf8');
    expect(committed).toBe(optionsMarkdown());
  });

  it('and --help lists every row of the table', async () => {
    for (const cmd of ['run', 'doctor'] as const) {
      const r = await biobench([cmd, '--help']);
      expect(r.code).toBe(0);
      for (const d of OPTION_TABLE[cmd]) expect(r.stdout).toContain(flagOf(d));
    }
  });
});
