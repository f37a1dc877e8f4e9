/**
 * Shared test rig: a MemMap of a profile, a queue over a driver from @biopath/nvme (by default its
 * null driver, wrapped in its faulty driver when a test asks for faults), a block device, an
 * emulated process, and the pin gate checked at the end. Tests may import @biopath/nvme, a higher
 * layer: see the test-files override in eslint.config.mjs.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import {
  bdevCreate, blkCurrentPlug, blkFinishPlug, blkFlushDeferredRelease, bioFlushDirtyWork, blkMqDestroyQueue, blkMqDrain, blkMqInitQueue, fsBioSet,
  smallBioSet,
} from '@biopath/block';
import type { BlockDevice, QueueLimits, RequestQueue } from '@biopath/block';
import {
  MmStruct, createMemMap, destroyMemMap, expectNoLeakedPins, snapshotPins, type MemMap, type PinSnapshot, type Profile,
} from '@biopath/mm';
import { createFaultyDriver, createNullDriver, type BlkDriver, type FaultRule } from '@biopath/nvme';

type FaultyDriver = ReturnType<typeof createFaultyDriver>;

export interface Rig {
  mem: MemMap;
  mm: MmStruct;
  drv: BlkDriver;
  /** The faulty driver's schedule (its `log` names each injected request's tag), when `faults` was given. */
  faults: FaultyDriver['faults'] | null;
  q: RequestQueue;
  bdev: BlockDevice;
  base: PinSnapshot;
}

export interface RigOpts {
  nrPages?: number;
  /** Queue limits over block's defaults (over the driver's own with `driver`). */
  limits?: Partial<QueueLimits>;
  /** Null device: capacity (default 64 MiB), tags (default 32), keep data (default no). */
  sizeBytes?: number;
  queueDepth?: number;
  memoryBacked?: boolean;
  /** Null device: `'poll'` (default) ends requests on the next poll/wait, `'none'` inside queueRq. */
  irqmode?: 'none' | 'poll';
  /** Wrap the null device in nvme's faulty driver with these rules. */
  faults?: FaultRule[];
  /** Seed of the faulty driver's generator (rules with a `probability`). */
  faultSeed?: number;
  /** Another driver instead of the null device. */
  driver?: (mem: MemMap) => BlkDriver;
}

/** The default device: nvme's null driver, behind its faulty driver when `faults` are given. */
function nullDevice(opts: RigOpts): BlkDriver {
  const dev = createNullDriver({
    sizeBytes: opts.sizeBytes ?? 64 << 20, queueDepth: opts.queueDepth ?? 32, irqmode: opts.irqmode ?? 'poll',
    memoryBacked: opts.memoryBacked ?? false,
  });
  return opts.faults ? createFaultyDriver(dev, { rules: opts.faults, seed: opts.faultSeed }) : dev;
}

const live: Rig[] = [];

/** Build a rig; torn down (and pin-gated) after the test by `useRigGate()`. */
export function rig(profile: Profile, opts: RigOpts = {}): Rig {
  const mem = createMemMap({ nrPages: opts.nrPages ?? 2048, profile });
  const base = snapshotPins(mem);
  const drv = opts.driver ? opts.driver(mem) : nullDevice(opts);
  // The rule tests run on block's default limits (the null device's own would change where bios
  // split and merge); a real device's limits are its own.
  const q = blkMqInitQueue(drv.set, { ...(opts.driver ? drv.limits : {}), ...opts.limits }, mem);
  const bdev = bdevCreate(q, drv.sizeBytes, 'nullb0');
  const faults = 'faults' in drv ? (drv as FaultyDriver).faults : null;
  const r: Rig = { mem, mm: new MmStruct(mem), drv, faults, q, bdev, base };
  live.push(r);
  return r;
}

/** Tear down a rig: drain, run deferred work, check pins and bio pools, free memory. */
export function teardown(r: Rig): void {
  blkMqDrain(r.q);
  bioFlushDirtyWork();
  blkFlushDeferredRelease();
  blkMqDestroyQueue(r.q);
  r.drv.close();
  r.mm.exit();
  try {
    expectNoLeakedPins(r.mem, r.base);
  } finally {
    destroyMemMap(r.mem);
  }
}

/** After each test: every rig torn down with the pin gate, and no bio left out of its pool. */
export function useRigGate(): void {
  let bios = 0;
  beforeEach(() => {
    bios = fsBioSet.inUse + smallBioSet.inUse;
  });
  afterEach(() => {
    const plug = blkCurrentPlug();
    if (plug !== null) blkFinishPlug(plug);
    while (live.length > 0) teardown(live.pop()!);
    expect(plug, 'a test left a plug started').toBe(null);
    expect(fsBioSet.inUse + smallBioSet.inUse).toBe(bios);
  });
}

/** A deterministic byte pattern. */
export function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}
