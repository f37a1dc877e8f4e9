/**
 * A package's public API as the declarations the TypeScript compiler emits for it: every export of
 * the entry module, sorted by name, with the `.d.ts` text of what it names (function signatures,
 * class and interface members, constant types). Snapshotted by each package's public-API test, so
 * a changed signature is a visible diff — not only an added or removed name. Nothing touches disk:
 * declarations are emitted into memory and read back through a second, declaration-only program.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type TS from 'typescript';

type Ts = typeof TS;

function compilerOptions(ts: Ts, entry: string): TS.CompilerOptions {
  const config = ts.findConfigFile(dirname(entry), ts.sys.fileExists, 'tsconfig.json');
  if (config === undefined) throw new Error(`publicApiDeclarations(entry): no tsconfig.json above ${entry}`);
  const parsed = ts.getParsedCommandLineOfConfigFile(config, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`publicApiDeclarations: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    },
  });
  return {
    ...parsed!.options,
    noEmit: false, declaration: true, emitDeclarationOnly: true, declarationMap: false, sourceMap: false, outDir: undefined,
    removeComments: true, // signatures, not their docs
  };
}

function fail(ts: Ts, what: string, diags: readonly TS.Diagnostic[]): never {
  const host: TS.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: ts.sys.getCurrentDirectory, getNewLine: () => '\n' };
  throw new Error(`publicApiDeclarations: ${what}\n${ts.formatDiagnostics(diags, host)}`);
}

/** Emit the `.d.ts` text of every source file reachable from `entry`, keyed by source file name. */
function emitDeclarations(ts: Ts, entry: string, options: TS.CompilerOptions): Map<string, string> {
  const program = ts.createProgram([entry], options);
  const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) fail(ts, `${entry} does not type-check`, errors);
  const out = new Map<string, string>();
  const r = program.emit(undefined, (_name, text, _bom, _onError, sources) => {
    if (sources?.length === 1) out.set(sources[0]!.fileName, text);
  }, undefined, true);
  if (r.emitSkipped || r.diagnostics.length > 0) fail(ts, `declaration emit failed for ${entry}`, r.diagnostics);
  return out;
}

/** The top-level statement holding a declaration (a variable's whole `export declare const ...;`). */
function statementOf(ts: Ts, node: TS.Node): TS.Node {
  while (!ts.isSourceFile(node.parent) && !ts.isModuleBlock(node.parent)) node = node.parent;
  return node;
}

/**
 * The emitted declarations of every export of `entryPath` (a package's `src/index.ts`, as a path
 * or a file URL), as text: one `// name` header per exported name, sorted, followed by the
 * declaration(s) it resolves to, comments removed. Throws, with the compiler's diagnostics, if the
 * package does not type-check or cannot emit declarations.
 */
export async function publicApiDeclarations(entryPath: string | URL): Promise<string> {
  const ts = (await import('typescript')).default; // loaded only by the tests that use it
  const entry = entryPath instanceof URL ? fileURLToPath(entryPath) : entryPath;
  const options = compilerOptions(ts, entry);
  const dts = emitDeclarations(ts, entry, options);
  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, onError, create) => {
    const text = dts.get(name);
    return text === undefined ? getSourceFile(name, lang, onError, create) : ts.createSourceFile(name, text, lang, true);
  };
  const program = ts.createProgram([entry], options, host);
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!);
  if (module === undefined) throw new Error(`publicApiDeclarations(entry): ${entry} is not a module`);
  const blocks = checker.getExportsOfModule(module).map((sym) => {
    const target = (sym.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(sym) : sym;
    const texts = [...new Set((target.declarations ?? []).map((d) => statementOf(ts, d).getText()))];
    return `// ${sym.name}\n${texts.join('\n')}\n`;
  });
  return `${blocks.sort().join('\n')}`;
}
