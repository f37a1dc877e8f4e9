import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { biobench, expectNoStackTrace, leftoverImages, scratch, sha256 } from './helpers.ts';

const s = scratch();
afterAll(() => s.cleanup());

describe('biobench doctor', () => {
  it('lists each feature with what was found and what it means', async () => {
    const r = await biobench(['doctor'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['io_uring ops', 'SQPOLL', 'registered buffers', 'userfaultfd', 'NVMe generic devices', 'O_DIRECT', 'O_DIRECT alignment', 'stack engine', 'fio']) {
      expect(r.stdout).toMatch(new RegExp(`^(ok|NO|limited|·)\\s+${f.replace(/[/()]/g, '\\$&')}\\s+\\S`, 'm'));
    }
    expect(r.stdout).toMatch(/io_uring ops\s+\d+ opcodes; .*READ/);
    expect(r.stdout).toMatch(/registered buffers\s+RLIMIT_MEMLOCK/);
    expect(r.stdout).toMatch(/O_DIRECT alignment\s+logical block \d+ B, physical \d+ B, buffer alignment \d+ B/);
    expect(r.stdout).toMatch(/→ --bs and --offset must be multiples of \d+/);
    expectNoStackTrace(r.stderr);
    expect(leftoverImages(s.dir)).toEqual([]);
  });

  it('probes a named target read-only and answers in JSON', async () => {
    const img = join(s.dir, 't.img');
    writeFileSync(img, Buffer.alloc(1 << 20, 1));
    const before = sha256(img);
    const r = await biobench(['doctor', '--target', img, '--output-format', 'json'], { tmp: s.dir });
    expect(r.code, r.stderr).toBe(0);
    const checks = JSON.parse(r.stdout).biobench.checks as { feature: string; status: string; found: string; meaning: string }[];
    expect(checks.find((c) => c.feature === 'O_DIRECT')).toMatchObject({ status: 'ok', found: expect.stringContaining('t.img') });
    for (const c of checks) expect(['ok', 'missing', 'limited', 'info']).toContain(c.status);
    expect(sha256(img)).toBe(before);
  });
});
