/**
 * vitest wiring for the leak gate: snapshot before each test, assert after it.
 */
import { afterEach, beforeEach } from 'vitest';
import { expectNoLeaks, leakSnapshot } from './leak-gate.ts';
import type { LeakSnapshot } from './leak-gate.ts';

/** Install the leak gate around every test of the calling file. */
export function useLeakGate(): void {
  let base: LeakSnapshot | undefined;
  beforeEach(() => {
    base = leakSnapshot();
  });
  afterEach(() => {
    if (base) expectNoLeaks(base);
  });
}
