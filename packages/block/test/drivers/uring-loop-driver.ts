/**
 * Test-only driver over @biopath/uring on an O_DIRECT block device (until @biopath/nvme's `bdev`
 * lands on main): one READ/WRITE SQE per DMA segment, one io_uring_enter per batch, limits read
 * from the real device.
 */
import {
  BLK_STS_DEV_RESOURCE, BLK_STS_IOERR, BLK_STS_NOTSUPP, BLK_STS_OK, REQ_OP_READ, REQ_OP_WRITE, SgTable,
  blkMqAllocTagSet, blkMqEndRequest, blkRqMapSg, blkRqPos, errnoToBlkStatus, queueLimitsFromDeviceInfo, reqOp,
} from '@biopath/block';
import type { BlkMqOps, Request } from '@biopath/block';
import { closeFd, deviceInfo, openDevice } from '@biopath/native';
import { IoUring, prepRead, prepWrite, sqeSetData } from '@biopath/uring';
import type { TestDriver } from './null-driver.ts';

export function createTestUringDriver(
  path: string, queueDepth = 32, ringFlags: { singleIssuer?: boolean; deferTaskrun?: boolean } = {},
  /** Ring the doorbell at the next poll/wait instead of at `last` (one io_uring_enter per batch). */
  deferDoorbell = false,
): TestDriver & { info: ReturnType<typeof deviceInfo> } {
  const fd = openDevice(path, { write: true, direct: true });
  const info = deviceInfo(fd);
  const ring = new IoUring({ entries: 256, cqEntries: 512, ...ringFlags });
  const sg = new SgTable(info.maxSegments || 128);
  const rqs: (Request | null)[] = new Array(queueDepth).fill(null);
  const pending = new Int32Array(queueDepth);
  const status = new Int32Array(queueDepth);
  const stats = { queued: 0, completed: 0, refused: 0, held: [] as Request[], lastFlags: [] as boolean[], commits: 0 };
  let inFlight = 0;
  /** End the requests whose CQEs are in the CQE ring (no syscall). */
  const reap = (): number => {
    const n = ring.cqReady();
    let ended = 0;
    for (let i = 0; i < n; i++) {
      const tag = ring.cqeUserData(i);
      const res = ring.cqeRes(i);
      if (res < 0 && status[tag] === 0) status[tag] = errnoToBlkStatus(res);
      if (--pending[tag] === 0) {
        const rq = rqs[tag]!;
        rqs[tag] = null;
        inFlight--;
        stats.completed++;
        ended++;
        blkMqEndRequest(rq, status[tag]);
      }
    }
    ring.cqAdvance(n);
    return ended;
  };
  const ops: BlkMqOps = {
    queueRq(_h, rq, last) {
      const op = reqOp(rq.cmd_flags);
      if (op !== REQ_OP_READ && op !== REQ_OP_WRITE) return BLK_STS_NOTSUPP;
      const n = blkRqMapSg(rq, sg);
      if (n < 0) return BLK_STS_IOERR;
      if (ring.sqSpaceLeft() < n) ring.submit();
      if (ring.sqSpaceLeft() < n) return BLK_STS_DEV_RESOURCE;
      let pos = blkRqPos(rq) * 512;
      for (let i = 0; i < n; i++) {
        const s = ring.getSqe();
        if (op === REQ_OP_READ) prepRead(ring, s, fd, sg.iova[i], sg.len[i], pos);
        else prepWrite(ring, s, fd, sg.iova[i], sg.len[i], pos);
        sqeSetData(ring, s, rq.tag);
        pos += sg.len[i];
      }
      rqs[rq.tag] = rq;
      pending[rq.tag] = n;
      status[rq.tag] = 0;
      inFlight++;
      stats.queued++;
      if (last && !deferDoorbell) ring.submit();
      return BLK_STS_OK;
    },
    commitRqs() {
      stats.commits++;
      ring.submit();
    },
    poll: () => {
      if (ring.sqReady() > 0) ring.submit();
      else ring.poll();
      return reap();
    },
    wait(_h, min) {
      let got = reap();
      while (got < min && inFlight > 0) {
        ring.submitAndWait(1);
        got += reap();
      }
      return got;
    },
  };
  const set = blkMqAllocTagSet({ ops, queue_depth: queueDepth });
  return {
    set, limits: queueLimitsFromDeviceInfo(info), sizeBytes: info.size, stats, info,
    close: () => {
      ring.close();
      closeFd(fd);
    },
  };
}
