/**
 * A fresh clone is self-contained: no doc or comment sends the reader to a file that is not in it.
 * (a) every relative Markdown link in a tracked *.md resolves to a tracked file or folder, and a
 *     `#anchor` into a .md file names one of its headings (GitHub's slugs);
 * (b) no tracked text file names a .md file the repository does not have (the old `../shared/`
 *     specs: DESIGN, STYLE, KERNEL-SEMANTICS outside `docs/`), and no .md tells the reader to use an
 *     absolute /tmp path;
 * (c) every `§x` citation names a numbered heading of the document it cites — for the kernel spec,
 *     docs/KERNEL-SEMANTICS.md. A `§` belongs to the nearest document named before it in the same
 *     file (a .md path, or "spec" for the NVMe specifications, which are not checked); in a .md file
 *     with none, to the file itself.
 * Each failure lists every offender as file:line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Tracked files, without build output; paths relative to ROOT with forward slashes. */
const TRACKED: string[] = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
  .split('\0')
  .filter((p) => p !== '' && !/(^|\/)(dist|node_modules)\//.test(p) && existsSync(join(ROOT, p)));
const TRACKED_SET = new Set(TRACKED);
const TRACKED_DIRS = new Set(TRACKED.flatMap((p) => p.split('/').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('/'))));

const TEXT = /\.(md|ts|mts|cts|js|mjs|cjs|rs|sh|toml|json|txt|ya?ml)$|^\.ci\/run$|(^|\/)\.(gitignore|nxignore)$/;
const SKIP = new Set(['package-lock.json', 'Cargo.lock']);
const TEXT_FILES = TRACKED.filter((p) => TEXT.test(p) && !SKIP.has(p));
const MARKDOWN = TRACKED.filter((p) => p.endsWith('.md'));

/** The /tmp paths a .md may name: documented defaults of scripts in this repository. */
const TMP_ALLOWED = ['/tmp/biopath-nvme-vm']; // tools/qemu-nvme/*.sh: default $BIOPATH_NVME_VM_DIR

const cache = new Map<string, string>();
function read(p: string): string {
  let s = cache.get(p);
  if (s === undefined) cache.set(p, (s = readFileSync(join(ROOT, p), 'utf8')));
  return s;
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Blank out fenced code blocks and inline code spans, keeping offsets and line numbers. */
function proseOf(md: string): string {
  const blank = (s: string): string => s.replace(/[^\n]/g, ' ');
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/`[^`\n]*`/g, blank);
}

/** A repo-relative path for `target` as written in `from`, or null if it leaves the repository. */
function resolveIn(from: string, target: string): string | null {
  const p = posix.normalize(posix.join(posix.dirname(from), target)).replace(/\/$/, '');
  return p === '..' || p.startsWith('../') ? null : p;
}

const exists = (p: string): boolean => p === '.' || TRACKED_SET.has(p) || TRACKED_DIRS.has(p);

/** A .md path named in file `from`: relative to its folder, else to the repository root. */
function resolveDoc(from: string, name: string): string | null {
  for (const p of [resolveIn(from, name), posix.normalize(name)]) if (p !== null && TRACKED_SET.has(p)) return p;
  return null;
}

/** GitHub's heading anchors of a Markdown file. */
function anchorsOf(p: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of proseOf(read(p).replace(/`/g, '')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .toLowerCase()
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Section numbers of a Markdown file's numbered headings ("## 3. Bios" → 3, "### 3.4 …" → 3.4). */
function sectionsOf(p: string): Set<string> {
  return new Set([...read(p).matchAll(/^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm)].map((m) => m[1]));
}

function report(offenders: string[], fix: string): string {
  return `${offenders.length} offender(s):\n  ${offenders.join('\n  ')}\n\nFix: ${fix}`;
}

it('lists the repository (git ls-files) and finds the docs', () => {
  expect(TRACKED.length).toBeGreaterThan(100);
  expect(MARKDOWN).toContain('docs/KERNEL-SEMANTICS.md');
  expect(MARKDOWN).toContain('README.md');
});

it('(a) every relative Markdown link resolves to a file or folder of the repository, and every #anchor to a heading', () => {
  const offenders: string[] = [];
  for (const file of MARKDOWN) {
    const prose = proseOf(read(file));
    const links = [
      ...[...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => ({ target: m[1], index: m.index })),
      ...[...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => ({ target: m[1], index: m.index })),
    ];
    for (const { target, index } of links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
      const at = `${file}:${lineOf(prose, index)}`;
      const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined];
      const path = pathPart === '' ? file : resolveIn(file, decodeURIComponent(pathPart));
      if (path === null) {
        offenders.push(`${at}: ${target} leaves the repository`);
        continue;
      }
      if (!exists(path)) {
        offenders.push(`${at}: ${target} → ${path} is not a tracked file or folder`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && path.endsWith('.md') && !anchorsOf(path).has(anchor.toLowerCase())) {
        offenders.push(`${at}: ${target}: ${path} has no heading with anchor #${anchor}`);
      }
    }
  }
  expect(offenders, report(offenders, 'point the link at a file in the repository (paths are relative to the .md file)')).toEqual([]);
});

it('(b) no file names a document outside the repository, and no .md tells the reader to use /tmp', () => {
  const offenders: string[] = [];
  const SELF = relative(ROOT, fileURLToPath(import.meta.url)).split('\\').join('/');
  const forbidden: [RegExp, string][] = [
    [new RegExp(['\\.\\.', 'shared'].join('/')), 'points at ../shared, outside the repository'],
    [/\bKERNEL-SEMANTICS(?!\.md)/, 'cites the kernel spec without its path: write docs/KERNEL-SEMANTICS.md'],
    [/\b(DESIGN|STYLE)(\.md\b|\s*§|:)/, 'cites a design/style document this repository does not have'],
  ];
  for (const file of TEXT_FILES) {
    if (file === SELF) continue;
    const text = read(file);
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      for (const [re, why] of forbidden) if (re.test(line)) offenders.push(`${file}:${i + 1}: ${why}: ${line.trim().slice(0, 120)}`);
    });
    for (const m of text.matchAll(/(?<![\w./${}-])([\w./-]*[\w-]\.md)\b/g)) {
      const name = m[1];
      if (name.includes('/') ? resolveDoc(file, name) !== null : TRACKED.some((p) => p === name || p.endsWith(`/${name}`))) continue;
      offenders.push(`${file}:${lineOf(text, m.index)}: names ${name}, which is not in the repository`);
    }
    if (file.endsWith('.md')) {
      for (const m of text.matchAll(/(?<![\w.~$}-])\/tmp\/[^\s`'")\]]*/g)) {
        const path = m[0].replace(/[,.;:]+$/, '');
        if (TMP_ALLOWED.some((ok) => path === ok || path.startsWith(`${ok}/`))) continue;
        offenders.push(`${file}:${lineOf(text, m.index)}: ${path}: use a path in the repository (tmp/ is git-ignored) or $TMPDIR`);
      }
    }
  }
  expect(offenders, report(offenders, 'cite docs/KERNEL-SEMANTICS.md §x, docs/ARCHITECTURE.md or another file in the repository')).toEqual([]);
});

it('(c) every § citation names a section heading of the document it cites', () => {
  const offenders: string[] = [];
  let kernelCitations = 0;
  for (const file of TEXT_FILES) {
    const text = read(file);
    if (!text.includes('§')) continue;
    let doc: string | null | 'spec' = file.endsWith('.md') ? file : null;
    const tokens = /([\w./-]*[\w-]\.md)\b|\b(spec)\b|§\s?(\d+(?:\.\d+)*)/gi;
    for (const m of text.matchAll(tokens)) {
      if (m[1] !== undefined) {
        doc = resolveDoc(file, m[1]); // unresolvable names are (b)'s business: skip their citations
        continue;
      }
      if (m[2] !== undefined) {
        doc = 'spec';
        continue;
      }
      const at = `${file}:${lineOf(text, m.index)}`;
      if (doc === 'spec') continue;
      if (doc === null) {
        if (!file.endsWith('.md')) offenders.push(`${at}: §${m[3]} does not say which document it cites (write docs/KERNEL-SEMANTICS.md §${m[3]})`);
        continue;
      }
      if (doc === 'docs/KERNEL-SEMANTICS.md') kernelCitations++;
      if (!sectionsOf(doc).has(m[3])) offenders.push(`${at}: ${doc} has no section §${m[3]}`);
    }
  }
  expect(offenders, report(offenders, 'cite a section that exists (numbered headings), or add it to the document')).toEqual([]);
  expect(kernelCitations).toBeGreaterThanOrEqual(40);
});

it('docs/KERNEL-SEMANTICS.md has the sections the code relies on, and says what it is', () => {
  const sections = sectionsOf('docs/KERNEL-SEMANTICS.md');
  for (const s of ['0.1', '1.5', '1.6', '1.7', '1.8', '1.9', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7', '3.2', '3.4', '3.5', '3.7', '3.10', '3.11', '4.1', '4.2', '4.3', '6', '7']) {
    expect(sections.has(s), `§${s}`).toBe(true);
  }
  const head = read('docs/KERNEL-SEMANTICS.md').slice(0, 1500);
  expect(head).toMatch(/biopath's own summary/);
  for (const v of ['v6.2', 'v6.5', 'v6.12']) expect(head).toContain(v);
  expect(statSync(join(ROOT, 'docs/KERNEL-SEMANTICS.md')).size).toBeGreaterThan(20_000);
});
