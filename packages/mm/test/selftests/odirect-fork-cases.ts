/**
 * David Hildenbrand's o_direct_fork_tests test1-3 (docs/KERNEL-SEMANTICS.md §4.2), deterministic, at
 * the mm level: the "O_DIRECT" IO takes its page the way the profile's block layer does (FOLL_GET
 * through iov_iter_get_pages2() under `legacy`, FOLL_PIN from v8 on), the "device" reads or writes
 * the frame directly, and completion releases the page.
 */
import {
  FOLL_WRITE, PAGE_SIZE, getUserPagesFast, pinUserPagesFast, putPage, unpinUserPage, type MmStruct,
} from '../../src/index.ts';
import type { CowEnv, Outcome } from './cow-env.ts';

/** An in-flight direct IO on the page at `addr`: its frame and how to complete it. */
interface Dio { pfn: number; complete: () => void }

function dioStart(env: CowEnv, mm: MmStruct, addr: number, write: boolean): Dio | null {
  const pages = new Int32Array(1);
  const get = env.mem.profile === 'legacy';
  const flags = write ? FOLL_WRITE : 0;
  const n = get ? getUserPagesFast(mm, addr, 1, flags, pages) : pinUserPagesFast(mm, addr, 1, flags, pages);
  if (n !== 1) return null;
  const pfn = pages[0]!;
  return { pfn, complete: () => (get ? putPage(env.mem, pfn) : unpinUserPage(env.mem, pfn)) };
}

function page(env: CowEnv, fill: number): number {
  const addr = env.mm.mmap(PAGE_SIZE);
  env.mm.write(addr, new Uint8Array(PAGE_SIZE).fill(fill));
  return addr;
}

/** The first 512 bytes of the frame the device sees. */
function deviceView(env: CowEnv, pfn: number): Uint8Array {
  return env.mem.bytes.slice(pfn * PAGE_SIZE, pfn * PAGE_SIZE + 512);
}

/** test1: O_DIRECT write (R/O reference) in flight in the parent; the child's secret must not reach the file. */
function test1(env: CowEnv): Outcome {
  const addr = page(env, 0x11);
  const dio = dioStart(env, env.mm, addr, false);
  if (dio === null) return 'fail';
  const child = env.fork();
  child.write(addr, new Uint8Array(512).fill(0x66));
  env.mm.write(addr + PAGE_SIZE - 1, new Uint8Array([1]));
  const file = deviceView(env, dio.pfn);
  dio.complete();
  return file.every((b) => b === 0x11) ? 'pass' : 'fail';
}

/** test2: the child's O_DIRECT write (R/O reference) after fork; the parent's later data must not reach the file. */
function test2(env: CowEnv): Outcome {
  const addr = page(env, 0x11);
  const child = env.fork();
  const dio = dioStart(env, child, addr, false);
  if (dio === null) return 'fail';
  env.mm.write(addr, new Uint8Array(512).fill(0x77));
  const file = deviceView(env, dio.pfn);
  dio.complete();
  return file.every((b) => b === 0x11) ? 'pass' : 'fail';
}

/** test3: O_DIRECT read (R/W reference) in flight while the parent forks and bumps the last byte; the parent must see the data. */
function test3(env: CowEnv): Outcome {
  const addr = page(env, 0);
  const dio = dioStart(env, env.mm, addr, true);
  if (dio === null) return 'fail';
  env.fork();
  env.mm.write(addr + PAGE_SIZE - 1, new Uint8Array([1]));
  env.mem.bytes.fill(0xff, dio.pfn * PAGE_SIZE, dio.pfn * PAGE_SIZE + 512);
  dio.complete();
  return env.mm.read(addr, 512).every((b) => b === 0xff) ? 'pass' : 'fail';
}

export const ODIRECT_FORK_TESTS: readonly { desc: string; fn: (env: CowEnv) => Outcome }[] = [
  { desc: 'test1: O_DIRECT write in the parent, child writes after fork', fn: test1 },
  { desc: 'test2: O_DIRECT write in the child, parent writes after fork', fn: test2 },
  { desc: 'test3: O_DIRECT read in the parent across fork', fn: test3 },
];
