/**
 * Writes apps/biobench/OPTIONS.md from the option table: `npx tsx apps/biobench/src/gen-options-md.ts`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { optionsMarkdown } from './options/docs.ts';

const out = fileURLToPath(new URL('../OPTIONS.md', import.meta.url));
writeFileSync(out, optionsMarkdown());
process.stdout.write(`wrote ${out}\n`);
