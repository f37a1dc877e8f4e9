// NVMe passthrough on a real controller (the QEMU guest's emulated one, see tools/qemu-nvme):
// Identify at open, data written through URING_CMD reads back, Flush / Write Zeroes / DSM work,
// and a controller error (LBA Out of Range) reaches the caller as a clear error with nothing left
// pinned. Skips, saying why, where there is no NVMe namespace (the host).
import { describe, expect, it } from 'vitest';
import { probe } from '@biopath/testing';
import {
  Kiocb, REQ_OP_DISCARD, REQ_OP_FLUSH, REQ_OP_READ, REQ_OP_WRITE, REQ_OP_WRITE_ZEROES, REQ_FUA, blkdevDirectIO,
} from '@biopath/block';
import { arenaCreate, arenaFree, closeFd, deviceInfo, errno, openDevice } from '@biopath/native';
import { MmStruct, expectNoLeakedPins, pageToIova, snapshotPins } from '@biopath/mm';
import { ITER_DEST, createIovIter, iovIterUbuf } from '@biopath/iov-iter';
import {
  createNvmeDriver, nvmeCommandAlloc, nvmeIdentify, nvmePassthruSync, nvmeSetupRw, nvme_cmd_read, NVME_URING_CMD_IO,
} from '@biopath/nvme';
import type { NvmeDriver } from '@biopath/nvme';
import { IoUring } from '@biopath/uring';
import { contiguous, expectedPattern, fillPieces, frames, io, ioNoData, readPieces, withStack } from './helpers.ts';
import type { Piece, Stack } from './helpers.ts';

const nvme = probe.nvme();
const ng = probe.nvmeGenericPath();
if (!nvme.ok) console.log(`skip NVMe passthrough tests: ${nvme.reason} (they run in the QEMU guest: tools/qemu-nvme/run-tests.sh)`);

function blockInfo(path: string) {
  const fd = openDevice(path, { direct: false });
  try {
    return deviceInfo(fd);
  } finally {
    closeFd(fd);
  }
}

const withNvme = <T>(fn: (s: Stack<NvmeDriver>) => T | Promise<T>, sizeBytes?: number) =>
  withStack((mem) => createNvmeDriver({ path: ng, mem, queueDepth: 16, recordDptr: true }), fn, { sizeBytes });

describe.skipIf(!nvme.ok)(`nvme driver on ${ng || 'no device'}`, () => {
  it('Identify at open: LBA format, size and MDTS match what the kernel reports for the namespace', async () => {
    await withNvme((s) => {
      const { ctrl, ns } = s.drv.identify;
      const info = blockInfo(s.drv.paths.blockPath);
      expect(ctrl.mn.length).toBeGreaterThan(0);
      expect(ctrl.nn).toBeGreaterThanOrEqual(1);
      expect(ns.lbaSize).toBe(info.logicalBlockSize);
      expect(s.drv.sizeBytes).toBe(info.size);
      expect(s.drv.limits.max_hw_sectors! * 512).toBeLessThanOrEqual(ctrl.mdts ? 2 ** (ctrl.mdts + 12) : Infinity);
      expect(s.drv.limits.max_hw_sectors).toBeLessThanOrEqual(info.maxHwSectorsKb * 2);
      expect(nvmeIdentify(s.drv.paths.ctrlPath, s.drv.nsid).ctrl.sn).toBe(ctrl.sn);
    });
  });

  it('write then read back: one segment (NVME_URING_CMD_IO) and scattered segments (IO_VEC), with FUA', async () => {
    await withNvme((s) => {
      const w: Piece[] = frames(s.mem, 4).map((pfn) => ({ pfn, off: 0, len: 4096 }));
      fillPieces(s.mem, w, 31);
      expect(io(s, REQ_OP_WRITE | REQ_FUA, 256, w)).toBe(0);
      expect(s.drv.stats.vectoredSqes).toBe(1);
      // the modelled DPTR of that command (tag 0: the only request in flight): PRP1 = first page,
      // PRP2 = the driver's list page holding the other three pages' IOVAs
      const img = s.drv.dptrImage(0);
      const sqe = Buffer.from(img.sqe);
      const iova = (p: Piece) => pageToIova(s.mem, p.pfn) + p.off;
      expect([sqe[0], Number(sqe.readBigUInt64LE(24)), Number(sqe.readBigUInt64LE(32))]).toEqual([0x01, iova(w[0]!), img.listIova]);
      const list = Buffer.from(img.lists);
      expect([0, 1, 2].map((i) => Number(list.readBigUInt64LE(i * 8)))).toEqual(w.slice(1).map(iova));
      const r: Piece[] = [{ pfn: contiguous(s.mem, 2), off: 0, len: 16384 }];
      expect(io(s, REQ_OP_READ, 256, r)).toBe(0);
      expect(readPieces(s.mem, r)).toEqual(expectedPattern(31, 16384));
      const r2: Piece[] = frames(s.mem, 2).map((pfn) => ({ pfn, off: 0, len: 4096 }));
      expect(io(s, REQ_OP_READ, 264, r2)).toBe(0);
      expect(readPieces(s.mem, r2)).toEqual(expectedPattern(31, 16384).subarray(4096, 12288));
    });
  });

  it('Flush succeeds; Write Zeroes and DSM deallocate make the range read back as zeroes', async () => {
    await withNvme((s) => {
      expect(s.drv.identify.ns.dlfeat & 7).toBe(1); // deallocated blocks read as zeroes
      const w: Piece[] = [{ pfn: contiguous(s.mem, 3), off: 0, len: 32768 }];
      fillPieces(s.mem, w, 8);
      expect(io(s, REQ_OP_WRITE, 1024, w)).toBe(0);
      expect(ioNoData(s, REQ_OP_FLUSH, 0, 0)).toBe(0);
      expect(ioNoData(s, REQ_OP_WRITE_ZEROES, 1024 + 8, 4096)).toBe(0);
      expect(ioNoData(s, REQ_OP_DISCARD, 1024 + 40, 8192)).toBe(0);
      const r: Piece[] = [{ pfn: contiguous(s.mem, 3), off: 0, len: 32768 }];
      expect(io(s, REQ_OP_READ, 1024, r)).toBe(0);
      const got = readPieces(s.mem, r);
      const want = expectedPattern(8, 32768);
      expect(got.subarray(4096, 8192)).toEqual(Buffer.alloc(4096)); // Write Zeroes
      expect(got.subarray(20480, 28672)).toEqual(Buffer.alloc(8192)); // DSM deallocate (the VM's drive has discard=unmap)
      want.fill(0, 4096, 8192);
      want.fill(0, 20480, 28672);
      expect(got.equals(want)).toBe(true);
    });
  });

  it('LBA Out of Range: the raw status is 0x4080, a bio gets -EREMOTEIO, a direct read leaves no pin behind', async () => {
    await withNvme((s) => {
      const lbas = s.drv.identify.ns.nsze;
      expect(rawReadStatus(s.drv, lbas)).toBe(0x4080);
      const beyond = (s.drv.sizeBytes / 512) + 64;
      expect(io(s, REQ_OP_READ, beyond, [{ pfn: contiguous(s.mem, 0), off: 0, len: 4096 }])).toBe(-errno.EREMOTEIO);
      expect(s.drv.lastError()).toMatchObject({ res: 0x4080, op: REQ_OP_READ, sector: beyond });
      expect(s.drv.lastError()!.text).toMatch(/^LBA Out of Range/);
      const base = snapshotPins(s.mem);
      const mm = new MmStruct(s.mem);
      const buf = mm.mmap(8192);
      mm.write(buf, new Uint8Array(8192).fill(1));
      const iocb = new Kiocb();
      iocb.ki_bdev = s.bdev;
      iocb.ki_pos = s.drv.sizeBytes + 65536;
      const ret = blkdevDirectIO(iocb, iovIterUbuf(createIovIter(), ITER_DEST, mm, buf, 8192));
      expect(ret).toBe(-errno.EREMOTEIO);
      expect(s.mem.nrFollPinAcquired).toBeGreaterThan(base.nrFollPinAcquired);
      mm.exit();
      expect(() => expectNoLeakedPins(s.mem, base)).not.toThrow();
      expect(s.drv.inFlight()).toBe(0);
    }, 2 ** 40);
  });
});

/** Read one block at `slba` with a bare passthrough command; returns cqe->res. */
function rawReadStatus(d: NvmeDriver, slba: number): number {
  const fd = openDevice(d.paths.ngPath, { write: true, direct: false });
  const ring = new IoUring({ entries: 2, sqe128: true });
  const buf = arenaCreate(4096);
  try {
    const cmd = nvmeCommandAlloc();
    nvmeSetupRw(cmd, nvme_cmd_read, d.nsid, slba, 1);
    return nvmePassthruSync(ring, fd, NVME_URING_CMD_IO, cmd, buf.iova, d.identify.ns.lbaSize).res;
  } finally {
    arenaFree(buf.id);
    ring.close();
    closeFd(fd);
  }
}
