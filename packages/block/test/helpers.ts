/**
 * Shared test rig: a MemMap of a profile, a queue over a test driver, a block device, an emulated
 * process, and the pin gate checked at the end.
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
import { createTestNullDriver, type NullDriverOpts, type TestDriver } from './drivers/null-driver.ts';

export interface Rig {
  mem: MemMap;
  mm: MmStruct;
  drv: TestDriver;
  q: RequestQueue;
  bdev: BlockDevice;
  base: PinSnapshot;
}

const live: Rig[] = [];

/** Build a rig; torn down (and pin-gated) after the test by `useRigGate()`. */
export function rig(
  profile: Profile,
  opts: NullDriverOpts & { nrPages?: number; limits?: Partial<QueueLimits>; driver?: (mem: MemMap) => TestDriver } = {},
): Rig {
  const mem = createMemMap({ nrPages: opts.nrPages ?? 2048, profile });
  const base = snapshotPins(mem);
  const drv = opts.driver ? opts.driver(mem) : createTestNullDriver(opts);
  const q = blkMqInitQueue(drv.set, { ...drv.limits, ...opts.limits }, mem);
  const bdev = bdevCreate(q, drv.sizeBytes, 'nullb0');
  const r: Rig = { mem, mm: new MmStruct(mem), drv, q, bdev, base };
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
