import { describe, expect, it } from 'vitest';
import { duration, int, parseSize, showSize, sizeRange } from './kinds.ts';
import { applyAssignments, defaultsOf, normalizeArgv } from './parse.ts';
import { expandSweep } from './sweep.ts';
import { JOB_OPTIONS } from './table.ts';

describe('option values', () => {
  it('parses sizes with binary suffixes and prints them back', () => {
    expect(parseSize('4k')).toBe(4096);
    expect(parseSize('4KiB')).toBe(4096);
    expect(parseSize('1.5m')).toBe(1572864);
    expect(parseSize('0x1000')).toBe(4096);
    expect(parseSize('2G')).toBe(2 ** 31);
    expect(() => parseSize('4q')).toThrow(/bad size '4q'/);
    expect(() => parseSize('1.3k')).toThrow(/not a whole number/);
    expect(showSize(1 << 20)).toBe('1m');
    expect(showSize(1536)).toBe('1536');
    expect(sizeRange.parse('4k-64k')).toEqual({ min: 4096, max: 65536 });
  });

  it('parses durations (bare numbers are seconds) and bounded integers', () => {
    expect(duration.parse('3')).toBe(3000);
    expect(duration.parse('0.3')).toBe(300);
    expect(duration.parse('500ms')).toBe(500);
    expect(duration.parse('2m')).toBe(120_000);
    expect(() => int(1, 8).parse('9')).toThrow(/from 1 to 8/);
  });

  it('accepts fio spellings, key=value configurations and expands sweeps in table order', () => {
    expect(normalizeArgv(['--ramp_time=1', '--rw', 'x_y'])).toEqual(['--ramp-time=1', '--rw', 'x_y']);
    const { values, explicit } = applyAssignments('iodepth=1,8 strategy=pin,get ramp-time=1', JOB_OPTIONS, defaultsOf(JOB_OPTIONS), new Set());
    expect(explicit).toEqual(new Set(['iodepth', 'strategy', 'ramp_time']));
    const jobs = expandSweep(values, explicit);
    expect(jobs.map((j) => `${j.iodepth}/${j.strategy}`)).toEqual(['1/pin', '1/get', '8/pin', '8/get']);
    expect(jobs[0]!.ramp_time).toBe(1000);
  });
});
