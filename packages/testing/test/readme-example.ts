/**
 * A package README's opening example: the first fenced code block of the file, which must be
 * ```ts or ```js and come before the first `##` section — what a reader sees first is what the
 * consumer test compiles and runs.
 */
import { readFileSync } from 'node:fs';

export interface ReadmeExample {
  lang: 'ts' | 'js';
  code: string;
}

export function readmeExample(file: string): ReadmeExample {
  const text = readFileSync(file, 'utf8');
  const m = /^```(\w*)\n([\s\S]*?)^```$/m.exec(text);
  if (m === null) throw new Error(`${file}: no fenced code block; a package README opens with a complete example`);
  const section = text.search(/^## /m);
  if (section >= 0 && m.index > section) throw new Error(`${file}: the first code block comes after the first section; open with the example`);
  if (m[1] !== 'ts' && m[1] !== 'js') throw new Error(`${file}: the opening example is \`\`\`${m[1]}, not \`\`\`ts or \`\`\`js`);
  return { lang: m[1], code: m[2]! };
}
