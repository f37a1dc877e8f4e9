// Defect 7 of the hardening issue: napi truncated or wrapped numbers (`arenaFree(1.5)`,
// `arenaFree(2**32 + 1)` and `arenaFree(-(2**32 - 1))` all freed region 1; `closeFd(fd + 0.5)`
// closed fd; `entries: 2**32 + 4` made a 4-entry ring) and threw code-less Errors for BigInt,
// strings, null, objects. Every entry point now validates each argument first and throws
// BiopathError EINVAL naming the function and argument. This walks every one of them.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';
import {
  arenaAlias, arenaAliasRange, arenaCopy, arenaCreate, arenaFree, arenaLiveRegions, arenaZapRange, closeFd, deviceInfo,
  NativeRingHandle, openDevice, Userfaultfd, UserfaultfdPeer,
} from '../src/index.ts';
import type { ArenaRegion, UffdFrameRule } from '../src/index.ts';
import { probe } from '@biopath/testing';

const BAD: ReadonlyArray<[string, unknown]> = [
  ['1.5', 1.5], ['NaN', NaN], ['-1', -1], ['2**32+1', 2 ** 32 + 1], ['2**53', 2 ** 53], ['BigInt', 1n],
  ['string', '1'], ['null', null], ['{}', {}],
];

/**
 * What an argument accepts. A "bad" value inside the domain is not lossy: 2**32+1 is a well-formed
 * IOVA (region 1, byte 1), `'1'` a path, -1 a sparse file slot or an endless wait, `{}` a valid options bag. Those are skipped, not expected to fail.
 */
type Kind = 'id' | 'iova' | 'len' | 'fd' | 'fdSlot' | 'timeout' | 'count' | 'bool' | 'path' | 'opts' | 'kind' | 'list' | 'fn';
const inDomain = (kind: Kind, v: unknown): boolean =>
  (kind === 'iova' && v === 2 ** 32 + 1) || (kind === 'path' && typeof v === 'string') || ((kind === 'fdSlot' || kind === 'timeout') && v === -1) || (kind === 'opts' && typeof v === 'object' && v !== null && !Array.isArray(v));

interface Arg {
  name: string;
  kind: Kind;
}
interface Entry {
  /** The function as named in error messages; each arg name is checked as `where(arg)`. */
  where: string;
  args: Arg[];
  call: (args: unknown[]) => unknown;
  valid: () => unknown[];
}

const a = (name: string, kind: Kind): Arg => ({ name, kind });
let r: ArenaRegion;
let ring: NativeRingHandle;
let uffd: Userfaultfd | undefined;
let peer: UserfaultfdPeer | undefined;
const pg = () => [r.iova, 4096] as [number, number];
const frameRule = (): UffdFrameRule => ({ state: new Int32Array(new SharedArrayBuffer(4)), mask: 3, value: 2, dirty: 4, writeProtectReads: false, faultAround: 1 });

beforeAll(() => {
  r = arenaCreate(4 * 4096);
  ring = new NativeRingHandle({ entries: 4 });
  if (probe.userfaultfd().ok) {
    uffd = new Userfaultfd();
    peer = new UserfaultfdPeer(uffd.id);
  }
});
afterAll(() => {
  peer?.close();
  uffd?.close();
  ring.close();
  arenaFree(r.id);
});

const f = <T extends unknown[]>(fn: (...x: T) => unknown) => (args: unknown[]) => fn(...(args as T));
const ENTRIES: Entry[] = [
  { where: 'arenaCreate', args: [a('size', 'len'), a('opts', 'opts')], call: f(arenaCreate), valid: () => [4096, {}] },
  { where: 'arenaCreate', args: [a('size', 'len'), a('opts.hugepage', 'bool')], call: (x) => arenaCreate(x[0] as number, { hugepage: x[1] as boolean }), valid: () => [4096, false] },
  { where: 'arenaAlias', args: [a('id', 'id')], call: f(arenaAlias), valid: () => [r.id] },
  { where: 'arenaAliasRange', args: [a('id', 'id'), a('offset', 'len'), a('len', 'len')], call: f(arenaAliasRange), valid: () => [r.id, 0, 4096] },
  { where: 'arenaZapRange', args: [a('iova', 'iova'), a('len', 'len')], call: f(arenaZapRange), valid: pg },
  { where: 'arenaFree', args: [a('id', 'id')], call: f(arenaFree), valid: () => [r.id] },
  { where: 'arenaCopy', args: [a('dst', 'iova'), a('src', 'iova'), a('len', 'len')], call: f(arenaCopy), valid: () => [r.iova, r.iova + 4096, 16] },
  { where: 'openDevice', args: [a('path', 'path'), a('opts', 'opts')], call: f(openDevice), valid: () => ['/dev/null', { direct: false }] },
  ...(['write', 'direct', 'create'] as const).map((k): Entry => ({
    where: 'openDevice', args: [a(`opts.${k}`, 'bool')], call: (x) => openDevice('/dev/null', { direct: false, [k]: x[0] }), valid: () => [false],
  })),
  { where: 'closeFd', args: [a('fd', 'fd')], call: f(closeFd), valid: () => [-5] },
  { where: 'deviceInfo', args: [a('fd', 'fd')], call: f(deviceInfo), valid: () => [0] },
  { where: 'createRing', args: [a('setup', 'opts')], call: (x) => new NativeRingHandle(x[0] as never), valid: () => [{ entries: 4 }] },
  ...(['entries', 'cqEntries', 'sqpollIdleMs', 'sqe128', 'singleIssuer', 'deferTaskrun', 'coopTaskrun'] as const).map((k): Entry => ({
    where: 'createRing', args: [a(k, /^(entries|cqEntries|sqpollIdleMs)$/.test(k) ? 'count' : 'bool')],
    call: (x) => new NativeRingHandle({ entries: 4, [k]: x[0] } as never), valid: () => [k === 'entries' || k === 'cqEntries' ? 4 : k === 'sqpollIdleMs' ? 10 : false],
  })),
  { where: 'ring.submit', args: [a('n', 'count'), a('waitNr', 'count')], call: (x) => ring.submit(x[0] as number, x[1] as number), valid: () => [0, 0] },
  { where: 'ring.registerBuffers', args: [a('bufs', 'list')], call: (x) => ring.registerBuffers(x[0] as never), valid: () => [[{ iova: r.iova, len: 4096 }]] },
  { where: 'ring.registerBuffers', args: [a('bufs[0].iova', 'iova'), a('bufs[0].len', 'len')], call: (x) => ring.registerBuffers([{ iova: x[0] as number, len: x[1] as number }]), valid: pg },
  { where: 'ring.registerFiles', args: [a('fds', 'list')], call: (x) => ring.registerFiles(x[0] as never), valid: () => [[0]] },
  { where: 'ring.registerFiles', args: [a('fds[0]', 'fdSlot')], call: (x) => ring.registerFiles([x[0] as number]), valid: () => [0] },
  { where: 'ring.watch', args: [a('onReady', 'fn'), a('eventfd', 'bool')], call: (x) => { ring.watch(x[0] as never, x[1] as boolean); ring.unwatch(); }, valid: () => [() => {}, false] },
];

const UFFD: Entry[] = [
  { where: 'uffd.register', args: [a('iova', 'iova'), a('len', 'len'), a('modes', 'count')], call: (x) => uffd!.register(...(x as [number, number, number])), valid: () => [...pg(), 1] },
  { where: 'uffd.unregister', args: [a('iova', 'iova'), a('len', 'len')], call: (x) => uffd!.unregister(...(x as [number, number])), valid: pg },
  { where: 'uffd.setResolver', args: [a('iova', 'iova'), a('len', 'len'), a('kind', 'kind'), a('srcIova', 'iova')], call: (x) => uffd!.setResolver(...(x as [number, number, 'zero', number])), valid: () => [...pg(), 'zero', r.iova] },
  { where: 'uffd.setFrameResolver', args: [a('iova', 'iova'), a('len', 'len'), a('rule', 'opts')], call: (x) => uffd!.setFrameResolver(...(x as [number, number, UffdFrameRule])), valid: () => [...pg(), frameRule()] },
  ...(['mask', 'value', 'dirty', 'faultAround', 'writeProtectReads', 'copyFromIova'] as const).map((k): Entry => ({
    where: 'uffd.setFrameResolver', args: [a(`rule.${k}`, k === 'writeProtectReads' ? 'bool' : k === 'copyFromIova' ? 'iova' : 'count')],
    call: (x) => uffd!.setFrameResolver(...pg(), { ...frameRule(), [k]: x[0] }), valid: () => [frameRule()[k] ?? r.iova],
  })),
  { where: 'uffd.copy', args: [a('dst', 'iova'), a('src', 'iova'), a('len', 'len'), a('dontwake', 'bool')], call: (x) => uffd!.copy(...(x as [number, number, number, boolean])), valid: () => [r.iova, r.iova + 4096, 4096, false] },
  { where: 'uffd.zeropage', args: [a('iova', 'iova'), a('len', 'len'), a('dontwake', 'bool')], call: (x) => uffd!.zeropage(...(x as [number, number, boolean])), valid: () => [...pg(), false] },
  { where: 'uffd.continue', args: [a('iova', 'iova'), a('len', 'len'), a('dontwake', 'bool')], call: (x) => uffd!.continue(...(x as [number, number, boolean])), valid: () => [...pg(), false] },
  { where: 'uffd.wake', args: [a('iova', 'iova'), a('len', 'len')], call: (x) => uffd!.wake(...(x as [number, number])), valid: pg },
  { where: 'uffd.writeProtect', args: [a('iova', 'iova'), a('len', 'len'), a('protect', 'bool'), a('dontwake', 'bool')], call: (x) => uffd!.writeProtect(...(x as [number, number, boolean, boolean])), valid: () => [...pg(), false, false] },
  { where: 'peer', args: [a('id', 'id')], call: (x) => new UserfaultfdPeer(x[0] as number), valid: () => [uffd!.id] },
  { where: 'peer.waitDeferred', args: [a('timeoutMs', 'count'), a('max', 'count')], call: (x) => peer!.waitDeferred(...(x as [number, number])), valid: () => [0, 1] },
  { where: 'peer.continue', args: [a('iova', 'iova'), a('len', 'len'), a('mode', 'count')], call: (x) => peer!.continue(...(x as [number, number, number])), valid: () => [...pg(), 0] },
  { where: 'peer.copy', args: [a('dst', 'iova'), a('src', 'iova'), a('len', 'len'), a('dontwake', 'bool')], call: (x) => peer!.copy(...(x as [number, number, number, boolean])), valid: () => [r.iova, r.iova + 4096, 4096, false] },
  { where: 'peer.writeProtect', args: [a('iova', 'iova'), a('len', 'len'), a('protect', 'bool'), a('dontwake', 'bool')], call: (x) => peer!.writeProtect(...(x as [number, number, boolean, boolean])), valid: () => [...pg(), false, false] },
  { where: 'peer.wake', args: [a('iova', 'iova'), a('len', 'len')], call: (x) => peer!.wake(...(x as [number, number])), valid: pg },
  { where: 'peer.poison', args: [a('iova', 'iova'), a('len', 'len')], call: (x) => peer!.poison(...(x as [number, number])), valid: pg },
];

/** Run `call`, synchronously or as a promise; resolve to what it threw (or undefined). */
async function thrown(call: () => unknown): Promise<unknown> {
  try {
    await call();
  } catch (e) {
    return e;
  }
  return undefined;
}

const cases = (entries: Entry[]) => entries.flatMap((e) => e.args.flatMap((arg, i) => BAD.map(([label, v]) => ({ e, arg, i, label, v }))));

async function walk(entries: Entry[]): Promise<void> {
  const regions = arenaLiveRegions();
  for (const { e, arg, i, label, v } of cases(entries)) {
    if (inDomain(arg.kind, v)) continue;
    const args = e.valid();
    args[i] = v;
    const err = await thrown(() => e.call(args)) as { code?: string; message?: string } | undefined;
    const where = `${e.where}(${arg.name}) <- ${label}`;
    expect(err, where).toBeInstanceOf(api.BiopathError);
    expect(err!.code, where).toBe('EINVAL');
    expect(err!.message, where).toContain(`${e.where}(${arg.name})`);
  }
  expect(arenaLiveRegions()).toBe(regions);
}

describe('arena, ring and device entry points', () => {
  it('refuse every lossy or mistyped argument with EINVAL naming the function and argument', async () => {
    await walk(ENTRIES);
  });

  it('the probe cases from the issue no longer act on a truncated value', () => {
    const x = arenaCreate(4096);
    try {
      for (const id of [x.id + 0.5, x.id + 2 ** 32, x.id - 2 ** 32]) {
        expect(() => arenaFree(id)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('arenaFree(id)') }));
      }
      expect(() => new NativeRingHandle({ entries: 2 ** 32 + 4 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => ring.submit(NaN, NaN)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      arenaFree(x.id);
    }
    const fd = openDevice('/dev/null', { direct: false });
    const node = openSync('/dev/null', 'r');
    try {
      expect(() => closeFd(fd + 0.5)).toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('closeFd(fd)') }));
      expect(fstatSync(fd).isCharacterDevice()).toBe(true);
    } finally {
      closeFd(fd);
      closeSync(node);
    }
  });
});

describe('userfaultfd entry points', () => {
  it('refuse every lossy or mistyped argument with EINVAL naming the function and argument', async (ctx) => {
    const p = probe.userfaultfd();
    if (!p.ok) return ctx.skip(p.reason);
    await walk(UFFD);
  });
});

it('the walk covers every function the package exports that reaches native code', () => {
  const pure = new Set(['BiopathError', 'check', 'errFromErrno', 'errnoName', 'warnOnOnce', 'warnOnOnceCount', 'warnOnOnceReset', 'iovaOffset', 'iovaRegion']);
  const noArgs = new Set(['arenaLiveRegions', 'uffdProbe', 'Userfaultfd', 'threadCpuTimeNs']);
  const walked = new Set([...ENTRIES, ...UFFD].map((e) => e.where));
  const named: Record<string, string> = { NativeRingHandle: 'createRing', UserfaultfdPeer: 'peer' };
  const fns = Object.entries(api).filter(([k, v]) => typeof v === 'function' && !pure.has(k) && !noArgs.has(k)).map(([k]) => named[k] ?? k);
  expect(fns.filter((k) => !walked.has(k))).toEqual([]);
});
