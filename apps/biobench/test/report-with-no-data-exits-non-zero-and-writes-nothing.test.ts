/**
 * `biobench report` on results that hold nothing to plot (no jobs, or jobs that did no IO) is an
 * error, not an empty report: exit 2, a message saying why (ENODATA), and no report.html.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, inProcess, scratch } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

const docs: [string, object, RegExp][] = [
  ['no jobs', { jobs: [] }, /: no jobs \(ENODATA\)/],
  ['a job that did no IO', { jobs: [{ jobname: 'j', read: { total_ios: 0 }, write: { total_ios: 0 } }] }, /: 1 job\(s\) that did no IO \(ENODATA\)/],
];

describe('biobench report with no data', () => {
  it.each(docs)('%s: exit 2, a clear message, no report written', async (name, doc, message) => {
    const file = join(s.dir, `${name.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const out = join(s.dir, `out-${name.replace(/\W+/g, '-')}`);
    const r = await inProcess(['report', file, '--out-dir', out], s.dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^biobench: report: nothing to plot in .*\.json: .*; no report written$/m);
    expect(r.stderr).toMatch(message);
    expectNoStackTrace(r.stderr);
    expect(r.stdout).toBe('');
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  });
});
