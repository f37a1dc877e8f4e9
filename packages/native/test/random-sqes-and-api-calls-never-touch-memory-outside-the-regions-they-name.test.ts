// Native fuzz: seeded random SQEs of every opcode the shim accepts (NOP, READ/WRITE, READV/WRITEV,
// READ_FIXED/WRITE_FIXED, FSYNC, FALLOCATE, NVMe URING_CMD on SQE128) with IOVAs inside, outside, straddling
// and stale, random iovec arrays, random flags; then random arena/ring calls with random JS
// values. It asserts every SQE gets exactly one CQE (no hang, user_data restored), calls fail only
// with a coded BiopathError, and canary regions created between the targets are never touched.
// fast-check draws from the project-wide seed (fc.configureGlobal in the test setup).
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { propertyParams } from '@biopath/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  arenaAlias, arenaAliasRange, arenaCopy, arenaCreate, arenaFree, arenaZapRange, BiopathError, closeFd, deviceInfo, IOVA_SHIFT,
} from '../src/index.ts';
import type { ArenaRegion } from '../src/index.ts';
import { NVME_URING_CMD, OP, RawRing } from './fixtures/raw-ring.ts';
import type { Sqe } from './fixtures/raw-ring.ts';

const CANARY = 0xc3;
const SPAN = 2 ** IOVA_SHIFT;
let dir: string;
let fds: { zero: number; null: number; file: number };
let targets: ArenaRegion[];
let canaries: ArenaRegion[];
let iovecs: ArenaRegion; // where random iovec arrays are written
let staleIova: number;
let rings: RawRing[];
const protectedIds = new Set<number>();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'biopath-fuzz-'));
  fds = { zero: openSync('/dev/zero', 'r'), null: openSync('/dev/null', 'w'), file: openSync(join(dir, 'f'), 'w+') };
  targets = [];
  canaries = [];
  const canary = () => {
    const c = arenaCreate(4096 * 2);
    new Uint8Array(c.buffer).fill(CANARY);
    canaries.push(c);
  };
  canary();
  for (const pages of [1, 3, 8]) {
    targets.push(arenaCreate(pages * 4096));
    canary();
  }
  iovecs = arenaCreate(8 * 4096);
  targets.push(iovecs);
  canary();
  const stale = arenaCreate(4096);
  staleIova = stale.iova;
  arenaFree(stale.id);
  for (const r of [...targets, ...canaries]) protectedIds.add(r.id);
  rings = [new RawRing({ entries: 64 }), new RawRing({ entries: 64, sqe128: true })];
  for (const r of rings) r.h.registerBuffers([{ iova: targets[0]!.iova, len: 4096 }, { iova: targets[2]!.iova, len: 4 * 4096 }]);
});

afterAll(() => {
  for (const r of rings ?? []) r.close();
  for (const r of [...(targets ?? []), ...(canaries ?? [])]) arenaFree(r.id);
  for (const fd of Object.values(fds ?? {})) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function expectCanariesIntact(): void {
  for (const c of canaries) expect(new Uint8Array(c.buffer).every((b) => b === CANARY), `canary region ${c.id}`).toBe(true);
}

/** An IOVA relative to a target: inside, straddling its end, past it, stale, or garbage. */
const iovaArb = fc.oneof(
  fc.tuple(fc.nat(3), fc.nat(8 * 4096)).map(([t, off]) => targets[t]!.iova + (off % targets[t]!.size)),
  fc.tuple(fc.nat(3), fc.nat(64)).map(([t, k]) => targets[t]!.iova + targets[t]!.size - k),
  // past the end but inside the same id's IOVA span (an offset past 2**32 would name the next id)
  fc.tuple(fc.nat(3), fc.nat(SPAN - 8 * 4096 - 1)).map(([t, k]) => targets[t]!.iova + targets[t]!.size + k),
  fc.nat(8192).map((k) => staleIova + k),
  fc.nat(4096).map((k) => k), // region id 0
  fc.tuple(fc.integer({ min: 2 ** 20, max: 2 ** 21 - 1 }), fc.nat(2 ** 32 - 1)).map(([id, off]) => id * SPAN + off),
);
const lenArb = fc.oneof(fc.nat(64), fc.nat(9 * 4096), fc.constantFrom(0, 4096, 2 ** 31, 2 ** 32 - 1));
const flagsArb = fc.constantFrom(0, 0, 0, 1 << 2, 1 << 4, 1 << 5, 1 << 6, 1 << 1);
const iovArb = fc.array(fc.tuple(iovaArb, lenArb), { maxLength: 12 });

type Gen = Omit<Sqe, 'userData'> & { iov?: Array<[number, number]>; iovAt?: number };
const fdArb = fc.constantFrom('zero', 'null', 'file') as fc.Arbitrary<keyof typeof fds>;
const sqeArb: fc.Arbitrary<Gen> = fc.oneof(
  fc.record({ op: fc.constant(OP.NOP), opFlags: fc.constantFrom(0, 1, 2), len: fc.nat(), flags: flagsArb }).map((s) => ({ ...s, fd: -1 })),
  fc.record({ op: fc.constantFrom(OP.READ, OP.WRITE), fd: fdArb, addr: iovaArb, len: lenArb, flags: flagsArb })
    .map((s) => ({ ...s, fd: fds[s.fd], len: Math.min(s.len, 4 * 4096) })),
  fc.record({ op: fc.constantFrom(OP.READ_FIXED, OP.WRITE_FIXED), fd: fdArb, addr: iovaArb, len: lenArb, bufIndex: fc.nat(3), flags: flagsArb })
    .map((s) => ({ ...s, fd: fds[s.fd], len: Math.min(s.len, 4 * 4096) })),
  fc.record({ op: fc.constantFrom(OP.READV, OP.WRITEV), fd: fdArb, iov: iovArb, iovAt: fc.nat(8 * 4096 - 16 * 13), nvec: fc.oneof(fc.nat(13), fc.constant(1025)), flags: flagsArb })
    .map(({ nvec, ...s }) => ({ ...s, fd: fds[s.fd], len: nvec })),
  fc.record({ op: fc.constant(OP.FSYNC), flags: flagsArb }).map((s) => ({ ...s, fd: fds.file })),
  // FALLOCATE on the scratch file: random mode (known and unknown bits), offset, length (addr), reserved fields
  fc.record({
    op: fc.constant(OP.FALLOCATE), off: fc.oneof(fc.nat(1 << 20), fc.constant(2 ** 63)), addr: fc.oneof(fc.nat(1 << 20), fc.constantFrom(0, 2 ** 63)),
    len: fc.constantFrom(0, 1, 3, 0x10, 0x80, 2 ** 31), opFlags: fc.constantFrom(0, 0, 1), bufIndex: fc.constantFrom(0, 0, 1), flags: flagsArb,
  }).map((s) => ({ ...s, fd: fds.file })),
  fc.record({
    op: fc.constant(OP.URING_CMD), cmdOp: fc.oneof(fc.constantFrom(...Object.values(NVME_URING_CMD)), fc.nat()), opFlags: fc.constantFrom(0, 1),
    bufIndex: fc.nat(3), iov: iovArb, iovAt: fc.nat(8 * 4096 - 16 * 13),
    cmd: fc.record({ addr: iovaArb, dataLen: fc.oneof(lenArb, fc.nat(13)), metadata: iovaArb, metaLen: fc.oneof(fc.constant(0), lenArb) }),
  }).map((s) => ({ ...s, fd: fds.file })),
);

/** Write the iovec array (as IOVAs) into the iovec region and point the SQE at it. */
function placeIovecs(s: Gen): Sqe & { userData: number } {
  const out = { ...s, userData: 0 } as Sqe & { userData: number };
  if (s.iov && s.iovAt !== undefined) {
    const at = s.iovAt & ~7;
    const v = new DataView(iovecs.buffer);
    s.iov.forEach(([base, len], k) => {
      v.setBigUint64(at + k * 16, BigInt(base), true);
      v.setBigUint64(at + k * 16 + 8, BigInt(len), true);
    });
    if (s.op === OP.URING_CMD && (s.cmdOp === NVME_URING_CMD.IO_VEC || s.cmdOp === NVME_URING_CMD.ADMIN_VEC)) out.cmd = { ...s.cmd, addr: iovecs.iova + at };
    else if (s.op !== OP.URING_CMD) out.addr = iovecs.iova + at;
  }
  return out;
}

let nextUserData = 1;
const results = new Map<number, number>(); // CQE res -> count, to show the fuzz reaches the kernel
function runBatch(ring: RawRing, batch: Gen[]): void {
  const want = new Set<number>();
  for (const g of batch) {
    const s = placeIovecs(g);
    s.userData = nextUserData++;
    want.add(s.userData);
    expect(ring.stage(s)).toBe(true);
  }
  let got = 0;
  for (let spins = 0; got < batch.length; spins++) {
    expect(spins, 'CQEs stopped arriving').toBeLessThan(1000);
    for (const c of ring.submit(Math.min(1, batch.length - got))) {
      expect(want.delete(c.userData), `unexpected CQE user_data ${c.userData}`).toBe(true);
      results.set(Math.sign(c.res) * Math.min(Math.abs(c.res), 4096), (results.get(c.res) ?? 0) + 1);
      got++;
    }
  }
  expect(want.size).toBe(0);
}

const BATCH = 64;
const RUNS = Math.ceil(20_000 / BATCH);

it(`${RUNS * BATCH} random SQEs complete once each and never touch memory outside the regions they name`, () => {
  let sqes = 0;
  fc.assert(
    fc.property(fc.nat(1), fc.array(sqeArb, { minLength: BATCH, maxLength: BATCH }), (ringIx, batch) => {
      runBatch(rings[ringIx]!, batch);
      sqes += batch.length;
    }),
    propertyParams({ numRuns: RUNS }),
  );
  expect(sqes).toBeGreaterThanOrEqual(20_000);
  expect(results.get(-14), 'some SQEs refused with EFAULT').toBeGreaterThan(0);
  expect(results.get(4096), 'some IO reached memory').toBeGreaterThan(0);
  expectCanariesIntact();
}, 60_000);

const jsValue = fc.oneof(
  fc.integer(), fc.double(), fc.nat(2 ** 53 - 1), fc.bigInt(), fc.string({ maxLength: 4 }), fc.constant(null), fc.constant(undefined),
  fc.object({ maxDepth: 1 }), fc.constantFrom(1.5, NaN, -1, 2 ** 32 + 1, 2 ** 53, 4096, 8192),
  fc.constant(0).map(() => targets[0]!.iova), fc.constant(0).map(() => staleIova),
);
const CALLS: Record<string, (a: unknown[]) => unknown> = {
  arenaCreate: (a) => arenaCreate(a[0] as number, a[1] as never),
  arenaAlias: (a) => arenaAlias(a[0] as number),
  arenaAliasRange: (a) => arenaAliasRange(a[0] as number, a[1] as number, a[2] as number),
  arenaFree: (a) => arenaFree(a[0] as number),
  arenaCopy: (a) => arenaCopy(a[0] as number, a[1] as number, a[2] as number),
  arenaZapRange: (a) => arenaZapRange(a[0] as number, a[1] as number),
  closeFd: (a) => closeFd(a[0] as number),
  deviceInfo: (a) => deviceInfo(a[0] as number),
  submit: (a) => rings[0]!.h.submit(a[0] as number, 0),
  registerBuffers: (a) => rings[1]!.h.registerBuffers(a[0] as never),
};

/** Calls that could legitimately change the canaries or the fuzz fixtures are not made. */
const touchesFixtures = (a: unknown[]): boolean =>
  a.some((v) => typeof v === 'number' && Number.isInteger(v) && (protectedIds.has(v) || protectedIds.has(Math.floor(v / SPAN))));

it('random arena and ring calls with random JS values succeed or throw a coded BiopathError', () => {
  const made: number[] = [];
  fc.assert(
    fc.property(fc.constantFrom(...Object.keys(CALLS)), fc.array(jsValue, { minLength: 3, maxLength: 3 }), (name, args) => {
      if (touchesFixtures(args) || (name === 'arenaCreate' && typeof args[0] === 'number' && args[0] > 2 ** 24)) return;
      try {
        const r = CALLS[name]!(args) as ArenaRegion | undefined;
        if (r && typeof r === 'object' && 'id' in r) made.push(r.id);
        if (name === 'arenaFree') made.splice(made.indexOf(args[0] as number), 1);
      } catch (e) {
        expect(e, `${name}${fc.stringify(args)}`).toBeInstanceOf(BiopathError);
        expect((e as BiopathError).code).toMatch(/^E[A-Z]+$/);
      }
    }),
    propertyParams({ numRuns: 3000 }),
  );
  for (const id of made) {
    try {
      arenaFree(id);
    } catch {
      // freed by a random arenaFree already
    }
  }
  runBatch(rings[0]!, [{ op: OP.NOP, fd: -1 }]);
  expectCanariesIntact();
}, 60_000);
