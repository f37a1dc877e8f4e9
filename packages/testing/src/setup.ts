/**
 * The vitest setup every project runs before each test file (`setupFiles` in each
 * vitest.config.ts): fixes the fast-check seed, and puts both leak gates around every test and
 * around the whole file —
 * - the resource gate (`expectNoLeaks`): fds, arena regions, loop devices, images, WARNs;
 * - the pin gate: every MemMap alive before and after a test has its pin and reference state back
 *   at the baseline (`expectNoLeakedPins`), and no MemMap was destroyed with pins outstanding.
 * A test that leaks on purpose must give back what it took before it ends.
 */
import { liveMemMaps, pinsOutstandingAtDestroy, snapshotPins, expectNoLeakedPins, type MemMap, type PinSnapshot } from '@biopath/mm';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { expectNoLeaks, leakSnapshot, type LeakSnapshot } from './leak-gate.ts';
import { configurePropertySeed } from './property.ts';
import { takeLeakAllowance } from './allow-leaks.ts';

configurePropertySeed();

interface Baseline {
  resources: LeakSnapshot;
  pins: Map<MemMap, PinSnapshot>;
  pinsAtDestroy: number;
}

function baseline(): Baseline {
  const pins = new Map<MemMap, PinSnapshot>();
  for (const mem of liveMemMaps()) pins.set(mem, snapshotPins(mem));
  return { resources: leakSnapshot(), pins, pinsAtDestroy: pinsOutstandingAtDestroy() };
}

function check(base: Baseline | undefined, when: string): void {
  if (!base) return;
  const problems: string[] = [];
  try {
    expectNoLeaks(base.resources);
  } catch (e) {
    problems.push((e as Error).message);
  }
  for (const [mem, snap] of base.pins) {
    if (mem.destroyed) continue;
    try {
      // Pins only: new references may belong to mappings that outlive the test; WARNs are counted above.
      expectNoLeakedPins(mem, snap, { allowWarnings: true, refs: false });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  const dropped = pinsOutstandingAtDestroy() - base.pinsAtDestroy;
  if (dropped !== 0) problems.push(`${dropped} FOLL_PIN pin(s) were outstanding when their MemMap was destroyed`);
  if (problems.length) throw new Error(`${when}: ${problems.join('\n')}`);
}

let fileBase: Baseline | undefined;
let testBase: Baseline | undefined;
beforeAll(() => {
  fileBase = baseline();
});
afterAll(() => check(fileBase, 'leak gate (whole file, beforeAll/afterAll included)'));
beforeEach(() => {
  testBase = baseline();
});
afterEach(() => {
  const allowance = takeLeakAllowance();
  if (allowance === null) return check(testBase, 'leak gate');
  fileBase = baseline(); // the test's deliberate leak must not fail the whole-file check either
});
