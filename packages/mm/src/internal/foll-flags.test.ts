import { describe, expect, it } from 'vitest';
import {
  FOLL_6_2, FOLL_CURRENT, FOLL_GET, FOLL_LONGTERM, FOLL_PCI_P2PDMA, FOLL_PIN, FOLL_V8, FOLL_WRITE, follFromV8,
  follToCurrent, follToV8, isValidGupArgs, type FollName,
} from './foll-flags.ts';

const names = Object.keys(FOLL_6_2) as FollName[];

describe('FOLL numbering tables', () => {
  it.each([
    { table: 'FOLL_6_2', t: FOLL_6_2 },
    { table: 'FOLL_V8', t: FOLL_V8 },
    { table: 'FOLL_CURRENT', t: FOLL_CURRENT },
  ])('$table gives every flag its own single bit', ({ t }) => {
    const values = names.map((n) => t[n]);
    for (const v of values) expect(v & (v - 1)).toBe(0);
    expect(new Set(values).size).toBe(names.length);
  });

  it('v8 puts PIN and GET at bits 0 and 1 (BIO_PAGE_PINNED / BIO_PAGE_REFFED)', () => {
    expect(FOLL_V8.PIN).toBe(1 << 0);
    expect(FOLL_V8.GET).toBe(1 << 1);
    expect(FOLL_PIN).toBe(0x40000);
    expect(FOLL_CURRENT.PIN).toBe(1 << 19);
  });

  it('v8 conversion round-trips every combination of a few flags', () => {
    const some = [FOLL_WRITE, FOLL_GET, FOLL_PIN, FOLL_LONGTERM, FOLL_PCI_P2PDMA];
    for (let m = 0; m < 1 << some.length; m++) {
      const flags = some.reduce((acc, f, i) => ((m >> i) & 1 ? acc | f : acc), 0);
      expect(follFromV8(follToV8(flags))).toBe(flags);
    }
    expect(follToV8(FOLL_PIN | FOLL_WRITE)).toBe(FOLL_V8.PIN | FOLL_V8.WRITE);
    expect(follToCurrent(FOLL_GET | FOLL_WRITE)).toBe(FOLL_CURRENT.GET | FOLL_CURRENT.WRITE);
  });
});

describe('isValidGupArgs', () => {
  it('adds the flag to set and keeps the caller flags', () => {
    expect(isValidGupArgs(FOLL_WRITE, FOLL_PIN, true, true)).toBe(FOLL_WRITE | FOLL_PIN);
    expect(isValidGupArgs(FOLL_LONGTERM, FOLL_PIN, false, true)).toBe(FOLL_LONGTERM | FOLL_PIN);
    expect(isValidGupArgs(FOLL_GET, FOLL_GET, true, true)).toBe(FOLL_GET);
  });

  it.each([
    { why: 'negative flags', flags: -1, set: FOLL_GET },
    { why: 'fractional flags', flags: 0.5, set: FOLL_GET },
    { why: 'GET|PIN', flags: FOLL_GET, set: FOLL_PIN },
    { why: 'caller FOLL_PIN', flags: FOLL_PIN, set: FOLL_PIN },
    { why: 'LONGTERM without PIN', flags: FOLL_LONGTERM, set: FOLL_GET },
    { why: 'LONGTERM|P2PDMA', flags: FOLL_LONGTERM | FOLL_PCI_P2PDMA, set: FOLL_PIN },
  ])('rejects $why', ({ flags, set }) => {
    expect(isValidGupArgs(flags, set, true, true)).toBe(-1);
  });

  it('rejects a missing pages array', () => {
    expect(isValidGupArgs(0, FOLL_PIN, true, false)).toBe(-1);
    expect(isValidGupArgs(0, FOLL_GET, true, false)).toBe(-1);
  });
});
