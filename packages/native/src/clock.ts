/**
 * The calling thread's own CPU clock. `process.cpuUsage()` sums every thread of the process (GC
 * helpers, io-wq workers, libuv's pool); a benchmark that alternates two configurations on the
 * main thread needs the main thread's CPU alone.
 */
import { binding, callNative } from './binding.ts';

/**
 * CPU time (user + system) the calling thread has used since it started, in nanoseconds:
 * clock_gettime(CLOCK_THREAD_CPUTIME_ID). Monotonic for a thread; differences of two calls on the
 * same thread are the CPU it spent between them. Throws a BiopathError only if the kernel refuses
 * the clock (it never does on Linux ≥ 2.6.12).
 */
export function threadCpuTimeNs(): number {
  return callNative(() => binding.threadCpuTimeNs());
}
