/**
 * OPTIONS.md, generated from the option table (the same rows that build the parser and --help).
 * Regenerate with `npx tsx apps/biobench/src/gen-options-md.ts`; a test fails when the committed
 * file and the table disagree.
 */
import { flagOf } from './def.ts';
import type { OptionDef } from './def.ts';
import { AB_OPTIONS, COMPARE_OPTIONS, DOCTOR_OPTIONS, JOB_OPTIONS, REPORT_OPTIONS } from './table.ts';
import { describeOption } from './parse.ts';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function optionTable(defs: readonly OptionDef[]): string {
  const rows = defs.map((d) => {
    const named = d.kind.expect.startsWith('one of') && !d.kind.arg.includes('|');
    const value = d.kind.arg === '' ? '(flag)' : `\`${d.kind.arg}\`${named ? `: ${d.kind.expect.slice(7)}` : ''}`;
    const list = d.list ? ' (list)' : '';
    return `| \`${flagOf(d)}\` | ${cell(value)}${list} | ${cell(d.kind.arg === '' ? 'off' : d.defaultText || '—')} | ${cell(d.fio)} | ${cell(d.help)} |`;
  });
  return ['| option | value | default | fio | what it does |', '|---|---|---|---|---|', ...rows].join('\n');
}

function grouped(defs: readonly OptionDef[]): string {
  const groups = [...new Set(defs.map((d) => d.group))];
  return groups.map((g) => `### ${g}\n\n${optionTable(defs.filter((d) => d.group === g))}`).join('\n\n');
}

export function optionsMarkdown(): string {
  const kinds = [
    '- **size**: bytes with an optional binary suffix k/m/g/t/p (case-insensitive, optional `b`/`ib`): `4k` = 4096, `1m` = 1048576. fio\'s `kb_base` quirk (`1kib` = 1000) is not reproduced. A range is `min-max` (or `min:max`).',
    '- **time**: a number with an optional unit us/ms/s/m/h; no unit means seconds (`3` = 3 s, `500ms`).',
    '- **list** options take comma-separated values (`--strategy pin,get,list --iodepth 1,32`); each combination is one job, and the run ends with a table comparing them.',
    '- fio\'s spellings with underscores are accepted for every option (`--ramp_time 1` = `--ramp-time 1`).',
    '- **job files** (`biobench run job.fio`) name an option by its name (`iodepth=32`) or by the name in the **fio** column (`filename=`, `randseed=`, `bsrange=`, `fixedbufs`), one value per job; the Output options and `allow_destructive` are command line only. See the README\'s "Job files".',
  ];
  return `# biobench options

<!-- Generated from apps/biobench/src/options/table.ts by \`npx tsx apps/biobench/src/gen-options-md.ts\`; do not edit by hand. -->

Every option is one row of the option table in \`src/options/table.ts\`, which also builds the
command-line parser, \`--help\` and the JSON echo (\`jobs[].job options\`, \`jobs[].biobench.options\`).
The **fio** column names the fio option \`biobench compare\` passes for it (— when fio has none).

Value formats:

${kinds.join('\n')}

## Job options (\`run\`, \`ab\`, \`compare\`, \`report\`)

${grouped(JOB_OPTIONS)}

## \`biobench ab A B\`

A and B are \`key=value\` lists of job options applied over the options above, e.g.
\`biobench ab "release=unpin" "release=unpin-batched" --rw randread\`.

${optionTable(AB_OPTIONS)}

## \`biobench compare\`

${optionTable(COMPARE_OPTIONS)}

## \`biobench report [results.json ...]\`

${optionTable(REPORT_OPTIONS)}

## \`biobench doctor\`

${optionTable(DOCTOR_OPTIONS)}
`;
}

export { describeOption };
