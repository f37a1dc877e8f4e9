#!/usr/bin/env node
// node tools/kernel-twins.mjs [--write | --check | --json]: the table of kernel twins in
// docs/ARCHITECTURE.md, generated from the `@kernel <path> <symbol(s)>` tags (and `@liburing` tags)
// in the TSDoc of packages/*/src/**/*.ts (tests excluded).
//   (no flag)  print the generated Markdown (both tables) to stdout
//   --write    rewrite the block between <!-- kernel-twins:begin --> and <!-- kernel-twins:end -->
//   --check    exit 1, with a summary of the rows that differ, if the doc is stale
//   --json     print the rows as JSON
// A tag names one or more kernel files, each followed by symbols: `lib/iov_iter.c a(), b();
// include/linux/uio.h c()`. Text after an em dash and remarks in parentheses are dropped (version
// markers such as `(v8)` or `(≤ 6.4)` are kept). A tag that names no file takes the file of another
// tag naming the same symbol (marked `‡`), or lands in the "(file not named)" group.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DOC = join(ROOT, 'docs', 'ARCHITECTURE.md');
export const BEGIN = '<!-- kernel-twins:begin -->';
export const END = '<!-- kernel-twins:end -->';
export const FIX = 'node tools/kernel-twins.mjs --write';
export const UNNAMED = '(file not named)';

/** The TypeScript sources scanned, sorted, as repository-relative POSIX paths. */
export function sourceFiles(root = ROOT) {
  const out = [];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        out.push(relative(root, p).split(sep).join('/'));
      }
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'), { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue;
    try {
      walk(join(root, 'packages', pkg.name, 'src'));
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  }
  return out.sort(cmp);
}

/** Code-point order: the same on every machine and locale. */
function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

const DECL = /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|interface|type|const\s+enum|enum|const|let|var|namespace)\s+([A-Za-z_$][\w$]*)/;
const MEMBER = /^\s+(?:(?:public|private|protected|static|readonly|declare|override|abstract|async|get|set)\s+)*([#A-Za-z_$][\w$]*)\s*[?!]?\s*[:(=<;,]/;
const MODULE_FOLLOWER = /^(?:import\b|export\s*(?:\*|\{[^}]*\}\s*from)|\/\*|\/\/)/;

/** The JSDoc blocks of one file: their text lines (without the leading `*`) and the name they document. */
export function jsdocBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i].indexOf('/**');
    if (start < 0 || lines[i].trimStart().startsWith('//')) continue;
    let j = i;
    while (j < lines.length && !lines[j].includes('*/', j === i ? start + 3 : 0)) j++;
    if (j >= lines.length) break;
    const body = [];
    for (let k = i; k <= j; k++) {
      let l = lines[k];
      if (k === j) l = l.slice(0, l.indexOf('*/', k === i ? start + 3 : 0));
      if (k === i) l = l.slice(start + 3);
      body.push(l.replace(/^\s*\*(?!\/)/, ''));
    }
    const after = lines[j].slice(lines[j].indexOf('*/', j === i ? start + 3 : 0) + 2).trim();
    blocks.push({ line: i + 1, body, name: documentedName(lines, i, j, after) });
    i = j;
  }
  return blocks;
}

/** What the block ending on line `j` documents: a declaration, `Parent.member`, or `(module)`. */
function documentedName(lines, i, j, after) {
  // The file's first comment, set off by a blank line, is its header, whatever follows.
  const first = lines.slice(0, i).every((l) => !l.trim() || l.startsWith('#!'));
  if (first && !after && j + 1 < lines.length && !lines[j + 1].trim()) return '(module)';
  let next = after;
  let k = j + 1;
  while (!next && k < lines.length) next = lines[k++].trimEnd();
  if (!next || MODULE_FOLLOWER.test(next.trim())) return '(module)';
  const top = DECL.exec(next);
  if (top) return top[1];
  const member = MEMBER.exec(next);
  if (member) {
    for (let p = i - 1; p >= 0; p--) {
      const parent = DECL.exec(lines[p]);
      if (parent) return `${parent[1]}.${member[1]}`;
    }
    return member[1];
  }
  return `(unknown: ${next.trim().slice(0, 40)})`;
}

/** The text of each `@<tag>` in a block, continuation lines joined. */
export function tagTexts(body, tag) {
  const out = [];
  const re = new RegExp(`(?:^|\\s)@${tag}(?=\\s)(.*)$`);
  for (let k = 0; k < body.length; k++) {
    const m = re.exec(body[k]);
    if (!m) continue;
    let text = m[1].trim();
    // A tag continues on the lines below while they are indented (`*   more`) or it ends in , or ;.
    while (k + 1 < body.length && body[k + 1].trim() && !body[k + 1].trim().startsWith('@') &&
      (/^\s{2,}\S/.test(body[k + 1]) || /[,;]$/.test(text))) {
      text += ' ' + body[++k].trim();
    }
    out.push(text);
  }
  return out;
}

const PATH = /^(?:[a-z0-9_.-]+\/)+[A-Za-z0-9_.-]+$|^[a-z0-9_-]+\.[ch]$/;
const VERSION = /^(?:v[\d.]+|[≤≥<>]=?\s?[\d.]+)$/;

/** Split at `sep` outside parentheses. */
function splitTop(s, sepRe) {
  const out = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (depth === 0 && sepRe.test(c)) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter(Boolean);
}

/** Remove remarks in parentheses that follow a space; keep version markers, as a suffix. */
function stripRemarks(s) {
  const versions = [];
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s[i] === '(' && (i === 0 || /\s/.test(s[i - 1]))) {
      let depth = 0;
      let j = i;
      for (; j < s.length; j++) {
        if (s[j] === '(') depth++;
        else if (s[j] === ')' && --depth === 0) break;
      }
      const inner = s.slice(i + 1, j).trim();
      if (VERSION.test(inner)) versions.push(`(${inner})`);
      i = j + 1;
    } else out += s[i++];
  }
  return { text: out.replace(/\s+/g, ' ').trim(), versions };
}

/** One symbol as the table shows it: a call keeps only `name(...)` and its version markers. */
function cleanSymbol(piece) {
  const { text, versions } = stripRemarks(piece);
  const call = /^([A-Za-z_][\w*]*\([^()]*\))/.exec(text);
  let sym = call ? call[1] : text;
  sym = sym.replace(/[.:]$/, '').trim();
  return sym ? [sym, ...versions].join(' ') : '';
}

/**
 * Parse a tag's text into [{ file, symbol }]. A piece starting with a path sets the current file;
 * the rest of the piece, if any, is a symbol. A path with no symbol gives a row with symbol ''.
 */
export function parseTag(text) {
  let t = text.replace(/\*\/.*$/, '');
  const dash = t.search(/\s[—–]\s/);
  if (dash >= 0) t = t.slice(0, dash);
  const rows = [];
  let file = null;
  for (const clause of splitTop(t, /;/)) {
    for (let piece of splitTop(clause, /,/)) {
      const first = piece.split(/\s+/)[0];
      if (PATH.test(first)) {
        file = first;
        piece = piece.slice(first.length).trim();
        // `mm/gup.c (the unpin_user_page*() family, unpin_folio())`: symbols inside the remark.
        const wrapped = /^\((.*)\)$/.exec(piece);
        if (wrapped && wrapped[1].includes('()')) {
          for (const p of splitTop(wrapped[1], /,/)) pushSymbols(rows, file, p);
          continue;
        }
        if (!stripRemarks(piece).text) {
          rows.push({ file, symbol: '' });
          continue;
        }
      }
      pushSymbols(rows, file, piece);
    }
  }
  return rows;
}

function pushSymbols(rows, file, piece) {
  // `a()/b()`, `a() / b()`, `a() -> b()`, `a() + b` name several symbols.
  for (const part of piece.split(/(?<=\))\s*(?:\/|->|\+)\s*(?=[A-Za-z_])/)) {
    const symbol = cleanSymbol(part);
    if (symbol) rows.push({ file, symbol });
  }
}

/** Every tagged twin: { tag, file, symbol, inferred, source, name }, sorted and deduplicated. */
export function collect(tag = 'kernel', root = ROOT) {
  const raw = [];
  let tags = 0;
  for (const source of sourceFiles(root)) {
    const text = readFileSync(join(root, source), 'utf8');
    if (!text.includes(`@${tag}`)) continue;
    for (const block of jsdocBlocks(text)) {
      for (const t of tagTexts(block.body, tag)) {
        tags++;
        for (const r of parseTag(t)) raw.push({ ...r, source, name: block.name });
      }
    }
  }
  // A symbol tagged without a file takes the file of the same symbol tagged elsewhere, if only one.
  const filesOf = new Map();
  for (const r of raw) {
    if (!r.file || !r.symbol) continue;
    const key = bare(r.symbol);
    if (!filesOf.has(key)) filesOf.set(key, new Set());
    filesOf.get(key).add(r.file);
  }
  const seen = new Set();
  const rows = [];
  for (const r of raw) {
    let file = r.file;
    let inferred = false;
    if (!file) {
      const known = filesOf.get(bare(r.symbol));
      if (known && known.size === 1) [file, inferred] = [[...known][0], true];
      else file = UNNAMED;
    }
    const row = { file, symbol: r.symbol, inferred, source: r.source.replace(/^packages\//, ''), name: r.name };
    const key = JSON.stringify([row.file, row.symbol, row.source, row.name]);
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(row);
  }
  rows.sort((a, b) => (a.file === UNNAMED) - (b.file === UNNAMED) || cmp(a.file, b.file) ||
    cmp(a.symbol, b.symbol) || cmp(a.source, b.source) || cmp(a.name, b.name));
  return { tags, rows };
}

/** `iov_iter_revert() (ITER_PIPE)` and `iov_iter_revert()` are the same symbol for inference. */
function bare(symbol) {
  return symbol.replace(/\s*\(.*$/, '').replace(/^(struct|enum)\s+/, '');
}

const cell = (s) => s.replace(/\|/g, '\\|');
const code = (s) => (s ? `\`${cell(s)}\`` : '');

function table(rows, firstHeader) {
  const out = [`| ${firstHeader} | symbol | biopath file | biopath name |`, '|---|---|---|---|'];
  for (const r of rows) {
    out.push(`| ${r.file === UNNAMED ? UNNAMED : code(r.file)} | ${code(r.symbol) || '(whole file)'}${r.inferred ? ' ‡' : ''} | ${code(r.source)} | ${code(r.name)} |`);
  }
  return out.join('\n');
}

/** The Markdown placed between the markers. */
export function generate(root = ROOT) {
  const k = collect('kernel', root);
  const u = collect('liburing', root);
  const files = new Set(k.rows.map((r) => r.file).filter((f) => f !== UNNAMED));
  const parts = [
    BEGIN,
    `<!-- generated by \`${FIX}\` from the @kernel and @liburing tags; do not edit by hand -->`,
    '',
    `${k.tags} \`@kernel\` tags name ${k.rows.length} twins of symbols in ${files.size} kernel files. ` +
      '`‡`: the tag names no file; the file comes from another tag naming the same symbol. ' +
      '`(module)`: the tag is in the file\'s header comment.',
    '',
    table(k.rows, 'kernel file'),
  ];
  if (u.rows.length) {
    parts.push('', `#### liburing twins (\`@liburing\`, ${u.tags} tags)`, '', table(u.rows, 'liburing file'));
  }
  parts.push(END);
  return parts.join('\n');
}

/** The generated block currently in the doc, or null when the markers are missing. */
export function currentBlock(doc) {
  const b = doc.indexOf(BEGIN);
  const e = doc.indexOf(END, b);
  return b < 0 || e < 0 ? null : doc.slice(b, e + END.length);
}

/** { ok, summary }: whether the doc's block equals the generated one, and what differs if not. */
export function check(root = ROOT, docPath = DOC) {
  const want = generate(root);
  const doc = readFileSync(docPath, 'utf8');
  const have = currentBlock(doc);
  if (have === null) return { ok: false, summary: `${relative(root, docPath)} has no ${BEGIN} … ${END} block; add the markers and run ${FIX}` };
  if (have === want) return { ok: true, summary: `${relative(root, docPath)}: kernel twin table is up to date` };
  const haveLines = new Set(have.split('\n'));
  const wantLines = new Set(want.split('\n'));
  const added = [...wantLines].filter((l) => !haveLines.has(l));
  const removed = [...haveLines].filter((l) => !wantLines.has(l));
  const show = (sign, ls) => ls.slice(0, 20).map((l) => `  ${sign} ${l}`).concat(ls.length > 20 ? [`  ${sign} … ${ls.length - 20} more`] : []);
  return {
    ok: false,
    summary: [`${relative(root, docPath)}: the kernel twin table is stale (${added.length} line(s) missing, ${removed.length} outdated); run ${FIX}`,
      ...show('+', added), ...show('-', removed)].join('\n'),
  };
}

export function write(root = ROOT, docPath = DOC) {
  const doc = readFileSync(docPath, 'utf8');
  const have = currentBlock(doc);
  if (have === null) throw new Error(`${docPath} has no ${BEGIN} … ${END} block`);
  const want = generate(root);
  if (have !== want) writeFileSync(docPath, doc.replace(have, () => want));
  return have !== want;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const flag = process.argv[2];
  if (flag === '--write') {
    console.log(write() ? `kernel-twins: rewrote the table in ${relative(ROOT, DOC)}` : 'kernel-twins: already up to date');
  } else if (flag === '--check') {
    const r = check();
    (r.ok ? console.log : console.error)(r.summary);
    process.exit(r.ok ? 0 : 1);
  } else if (flag === '--json') {
    console.log(JSON.stringify({ kernel: collect('kernel').rows, liburing: collect('liburing').rows }, null, 1));
  } else if (flag === undefined) {
    console.log(generate());
  } else {
    console.error('usage: node tools/kernel-twins.mjs [--write | --check | --json]');
    process.exit(2);
  }
}
