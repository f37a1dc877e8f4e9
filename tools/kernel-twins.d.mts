// Types for tools/kernel-twins.mjs (imported by packages/testing/test/architecture-map-lists-every-kernel-twin.test.ts).
export interface TwinRow {
  /** Kernel (or liburing) file, or '(file not named)'. */
  file: string;
  /** Symbol as the tag writes it (`iov_iter_extract_pages()`, `struct bio`); '' for a whole file. */
  symbol: string;
  /** The file came from another tag naming the same symbol. */
  inferred: boolean;
  /** biopath file under packages/ (`iov-iter/src/extract.ts`). */
  source: string;
  /** The documented declaration, `Parent.member`, or '(module)'. */
  name: string;
}
export const ROOT: string;
export const DOC: string;
export const BEGIN: string;
export const END: string;
export const FIX: string;
export const UNNAMED: string;
export function sourceFiles(root?: string): string[];
export function parseTag(text: string): { file: string | null; symbol: string }[];
export function collect(tag?: 'kernel' | 'liburing', root?: string): { tags: number; rows: TwinRow[] };
export function generate(root?: string): string;
export function currentBlock(doc: string): string | null;
export function check(root?: string, docPath?: string): { ok: boolean; summary: string };
export function write(root?: string, docPath?: string): boolean;
