// The proof (docs/KERNEL-SEMANTICS.md §4.1, test3; §6 ex. 37/38), on a real loop device with real data:
// an O_DIRECT read into a private anonymous page is in flight (built, pages taken, held in a plug)
// when the process forks and then writes another byte of the same page. Without pinning (legacy,
// FOLL_GET) fork shares the page, the parent's write COWs it away, and the DMA lands in the page
// only the child maps: the parent loses the read. With FOLL_PIN (v8, merged, current) fork gives
// the child a copy and the parent keeps the page the device writes into.
// The read-only variants (O_DIRECT write, §4.1 last paragraph, §4.2 test1): the child's writes never
// reach the device; a write by the parent after the pin reaches the device only with pinning.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { BlkPlug, EIOCBQUEUED, Kiocb, blkFinishPlug, blkMqDrain, blkStartPlug, blkdevDirectIO } from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import type { MemMap, MmStruct, Profile } from '@biopath/mm';
import { probe, withLoopDevice } from '@biopath/testing';
import { createBdevDriver, type BlkDriver } from '@biopath/nvme';
import { rig, teardown, type Rig } from './helpers.ts';

const loop = probe.loop();

const DEV_SIZE = 1 << 20;
const PINS: Record<Profile, boolean> = { legacy: false, v8: true, merged: true, current: true };

/**
 * The drivers axis: @biopath/nvme's bdev driver (io_uring on an O_DIRECT fd), with READ/WRITE
 * SQEs on the MemMap's addresses, and with the MemMap registered (READ_FIXED/WRITE_FIXED for a
 * contiguous request, one READV/WRITEV otherwise).
 */
type DriverName = 'nvme-bdev' | 'nvme-bdev-fixed';
const DRIVERS: Record<DriverName, (dev: string) => (mem: MemMap) => BlkDriver> = {
  'nvme-bdev': (dev) => (mem) => createBdevDriver({ path: dev, mem, queueDepth: 8 }),
  'nvme-bdev-fixed': (dev) => (mem) => createBdevDriver({ path: dev, mem, queueDepth: 8, fixedBuffers: true }),
};
let driverName: DriverName = 'nvme-bdev';

function onLoop(profile: Profile, fn: (r: Rig, image: string) => void): Promise<void> {
  return withLoopDevice(DEV_SIZE, (dev, image) => {
    const r = rig(profile, { driver: DRIVERS[driverName](dev) });
    try {
      fn(r, image);
    } finally {
      teardown(r);
    }
  });
}

/** Start an async O_DIRECT of `len` bytes at device offset `pos` from/into `buf`, held in `plug`. */
function startHeld(r: Rig, plug: BlkPlug, dir: number, buf: number, len: number, pos: number): { ret: number } {
  const out = { ret: 1 };
  const iocb = new Kiocb();
  iocb.ki_bdev = r.bdev;
  iocb.ki_pos = pos;
  iocb.ki_complete = (_i, ret) => { out.ret = ret; };
  blkStartPlug(plug);
  expect(blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), dir, r.mm, buf, len))).toBe(EIOCBQUEUED);
  expect(r.q.nr_bios).toBeGreaterThan(0);
  expect(plug.rq_count).toBe(1);
  return out;
}

function finish(r: Rig, plug: BlkPlug, out: { ret: number }, len: number): void {
  blkFinishPlug(plug);
  blkMqDrain(r.q);
  expect(out.ret).toBe(len);
}

const byte = (mm: MmStruct, addr: number): number => mm.read(addr, 1)[0]!;

const AXES = (['nvme-bdev', 'nvme-bdev-fixed'] as const).flatMap((d) =>
  (['legacy', 'v8', 'merged', 'current'] as const).map((p) => [d, p] as const));

describe.skipIf(!loop.ok).each(AXES)('driver %s, profile %s', (drv, profile) => {
  beforeEach(() => { driverName = drv; });

  it('O_DIRECT read + fork + parent write: the parent keeps the read data only with pinning', () =>
    onLoop(profile, (r, image) => {
      const onDisk = readFileSync(image).subarray(0, 512);
      expect(onDisk.some((b) => b !== 0)).toBe(true);
      const buf = r.mm.mmap(4096);
      r.mm.write(buf, new Uint8Array(4096));
      const pfnBefore = r.mm.followPage(buf);
      const plug = new BlkPlug();
      const out = startHeld(r, plug, ITER_DEST, buf, 512, 0);
      const child = r.mm.fork();
      r.mm.write(buf + 4095, Uint8Array.of(0x42));
      finish(r, plug, out, 512);
      const parentSees = Buffer.from(r.mm.read(buf, 512));
      const childSees = Buffer.from(child.read(buf, 512));
      expect(byte(r.mm, buf + 4095)).toBe(0x42);
      expect(byte(child, buf + 4095)).toBe(0);
      if (PINS[profile]) {
        expect(parentSees.equals(onDisk)).toBe(true);
        expect(childSees.every((b) => b === 0)).toBe(true);
        expect(r.mm.followPage(buf)).toBe(pfnBefore);
      } else {
        expect(parentSees.every((b) => b === 0)).toBe(true);
        expect(childSees.equals(onDisk)).toBe(true);
        expect(r.mm.followPage(buf)).not.toBe(pfnBefore);
        expect(child.followPage(buf)).toBe(pfnBefore);
      }
      child.exit();
    }));

  it('O_DIRECT write + fork + parent write: the device sees the parent\'s later write only with pinning', () =>
    onLoop(profile, (r, image) => {
      const buf = r.mm.mmap(4096);
      const data = new Uint8Array(4096).fill(0x11);
      r.mm.write(buf, data);
      const plug = new BlkPlug();
      const out = startHeld(r, plug, ITER_SOURCE, buf, 4096, 8192);
      const child = r.mm.fork();
      r.mm.write(buf + 4095, Uint8Array.of(0x42));
      child.write(buf, new TextEncoder().encode('Secret data'));
      finish(r, plug, out, 4096);
      const onDisk = readFileSync(image).subarray(8192, 8192 + 4096);
      expect(onDisk.subarray(0, 4095).every((b) => b === 0x11)).toBe(true);
      expect(onDisk[4095]).toBe(PINS[profile] ? 0x42 : 0x11);
      expect(byte(child, buf + 4095)).toBe(0x11);
      child.exit();
    }));

  it('O_DIRECT write from a page shared with a child: the child\'s secret never reaches the device', () =>
    onLoop(profile, (r, image) => {
      const buf = r.mm.mmap(4096);
      r.mm.write(buf, new Uint8Array(4096).fill(0x22));
      const child = r.mm.fork();
      const plug = new BlkPlug();
      const out = startHeld(r, plug, ITER_SOURCE, buf, 4096, 0);
      child.write(buf, new TextEncoder().encode('Secret data'));
      r.mm.write(buf + 4095, Uint8Array.of(0x42));
      finish(r, plug, out, 4096);
      const onDisk = readFileSync(image).subarray(0, 4096);
      expect(onDisk.subarray(0, 4095).every((b) => b === 0x22)).toBe(true);
      expect(onDisk[4095]).toBe(PINS[profile] ? 0x42 : 0x22);
      expect(Buffer.from(r.mm.read(buf, 11)).every((b) => b === 0x22)).toBe(true);
      child.exit();
    }));
});
