/**
 * Run the real CLI as a child process (bin/biobench.mjs through tsx), with its temporary images
 * in a directory the test owns, and small checks shared by the CLI tests.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { main } from '../src/main.ts';

export const BIN = fileURLToPath(new URL('../bin/biobench.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A scratch directory (also where biobench puts its temporary images during the test). */
export function scratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'biobench-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run `biobench ...args`; temporary images go to `tmp` when given. */
export function biobench(args: string[], opts: { tmp?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, ...(opts.tmp ? { BIOBENCH_TMPDIR: opts.tmp } : {}), ...opts.env };
    delete env.BIOBENCH_DEBUG;
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** No JavaScript stack frame in what the user sees. */
export function expectNoStackTrace(text: string): void {
  expect(text).not.toMatch(/^\s+at .+(\(|:\d+:\d+)/m);
  expect(text).not.toMatch(/internal error/);
}

/** A refused invocation: exit 2, `biobench: ` + `message` on stderr, no stack trace, nothing on stdout. */
export function expectUsageFailure(r: { code: number; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^biobench: /m);
  expect(r.stderr).toMatch(message);
  expectNoStackTrace(r.stderr);
  expect(r.stdout).toBe('');
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Temporary images biobench left behind in `dir`. */
export function leftoverImages(dir: string): string[] {
  return readdirSync(dir).filter((e) => e.startsWith('biobench-') && !e.startsWith('biobench-test-'));
}

/** main() in this process with captured output: the CLI's own path minus the process start. */
export async function inProcess(args: string[], tmp: string): Promise<CliResult> {
  let stdout = '', stderr = '';
  const io = { out: (t: string) => void (stdout += t), err: (t: string) => void (stderr += t.endsWith('\n') ? t : `${t}\n`), argv: args };
  process.env.BIOBENCH_TMPDIR = tmp;
  try {
    return { code: await main(args, io), stdout, stderr };
  } finally {
    delete process.env.BIOBENCH_TMPDIR;
  }
}
