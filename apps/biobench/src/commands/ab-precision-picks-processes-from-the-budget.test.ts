/**
 * With --precision and no --processes, `ab` runs as many processes as the budget holds at 8 s of
 * wall time each (5 to 12): the two-level interval narrows with the number of processes, not with
 * time per process.
 */
import { describe, expect, it } from 'vitest';
import { processesOf } from './ab.ts';

describe('processesOf', () => {
  it('runs one process without --precision, whatever the budget', () => {
    expect(processesOf({ processes: 0, precision: 0, budget: 600_000 })).toBe(1);
  });
  it('keeps an explicit --processes', () => {
    expect(processesOf({ processes: 3, precision: 1, budget: 600_000 })).toBe(3);
  });
  it('takes one process per 8 s of budget with --precision, at least 5 and at most 12', () => {
    expect(processesOf({ processes: 0, precision: 1, budget: 10_000 })).toBe(5);
    expect(processesOf({ processes: 0, precision: 1, budget: 60_000 })).toBe(7);
    expect(processesOf({ processes: 0, precision: 2, budget: 120_000 })).toBe(12);
    expect(processesOf({ processes: 0, precision: 1, budget: 3_600_000 })).toBe(12);
  });
});
