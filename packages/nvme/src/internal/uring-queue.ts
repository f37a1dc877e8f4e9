/**
 * What the io_uring-backed drivers (`bdev`, `nvme`) share: one ring per hardware queue, SQEs
 * staged by the driver's own prep code, one `io_uring_enter` per batch (at `last` or
 * `commitRqs`), and CQEs reaped one at a time into the driver's completion hook. fio's
 * engines/io_uring.c split into the generic part (this) and one module per command kind, instead
 * of one engine with `if (is_uring_cmd)` everywhere.
 * @kernel drivers/nvme/host/pci.c nvme_queue_rq()/nvme_commit_rqs()/nvme_poll() (the shape)
 */
import type { BlkMqHwCtx, BlkMqOps, Request } from '@biopath/block';
import { BLK_STS_OK, blkMqEndRequest } from '@biopath/block';
import { IoUring } from '@biopath/uring';
import type { RingSetup } from '@biopath/uring';
import type { DriverStats, EndRequestFn } from './driver-types.ts';
import { driverStatsAlloc } from './driver-types.ts';

const RESOLVED = Promise.resolve();

/** user_data of a request's SQE: tag + 1 (0 is never used, so a stray zero is recognisable). */
export function rqUserData(rq: Request): number {
  return rq.tag + 1;
}

/**
 * A ring and the bookkeeping every uring driver needs. Subclasses implement `complete()` for
 * one CQE and prepare SQEs through `this.ring` in their `queueRq`.
 */
export abstract class UringQueue {
  readonly ring: IoUring;
  /** The requests of the (single) hardware queue, by tag; set by `initHctx`. */
  rqs: Request[] = [];
  /** SQEs submitted and not yet completed. */
  sqesInFlight = 0;
  /** Requests accepted and not yet ended. */
  rqsInFlight = 0;
  endRequest: EndRequestFn = blkMqEndRequest;
  /** `last` does not ring the doorbell: the next poll/wait submits what is staged (with its wait). */
  deferDoorbell = false;
  readonly stats: DriverStats = driverStatsAlloc();

  constructor(setup: RingSetup) {
    this.ring = new IoUring(setup);
  }

  /** Handle one CQE; return 1 if it ended a request, else 0. */
  protected abstract complete(rq: Request, res: number, cqeIndex: number): number;

  /** blk_mq_ops.queue_rq: stage the SQE(s) of `rq`; `last` rings the doorbell. */
  abstract queueRq(rq: Request, last: boolean): number;

  /**
   * The blk_mq_ops of a driver with this one hardware queue: queue/commit/poll/wait go to the queue,
   * `initHctx` binds it, and `initRequest` gives each request its driver PDU.
   * @kernel drivers/nvme/host/pci.c nvme_mq_ops (the shape)
   */
  mqOps(initRequest: (rq: Request) => void): BlkMqOps {
    return {
      queueRq: (_h: BlkMqHwCtx, rq: Request, last: boolean) => {
        const st = this.queueRq(rq, last);
        if (last && st === BLK_STS_OK) this.stats.lastQueued++;
        return st;
      },
      commitRqs: () => {
        this.stats.commits++;
        this.kick();
      },
      poll: (h) => this.pollHctx(h),
      wait: (h, min) => this.waitHctx(h, min),
      waitAsync: (h) => this.waitAsyncHctx(h),
      initHctx: (h) => {
        this.rqs = h.tags.static_rqs;
        h.driver_data = this;
      },
      initRequest: (_set, rq) => initRequest(rq),
    };
  }

  /** Make room for `n` SQEs, submitting what is staged if needed; false when the ring stays full. */
  reserve(n: number): boolean {
    if (this.ring.sqSpaceLeft() >= n) return true;
    this.kick();
    return this.ring.sqSpaceLeft() >= n;
  }

  /** Ring the doorbell: one io_uring_enter for everything staged. */
  kick(): void {
    const staged = this.ring.sqReady();
    if (staged === 0) return;
    this.ring.submit();
    this.stats.submits++;
    this.sqesInFlight += staged - this.ring.sqReady();
  }

  /** Count a request accepted with `sqes` SQEs staged for it. */
  accepted(sqes: number): void {
    this.rqsInFlight++;
    this.stats.queued++;
    this.stats.sqes += sqes;
  }

  /** End `rq` through the (possibly intercepted) completion hook. */
  protected end(rq: Request, status: number): void {
    this.rqsInFlight--;
    this.stats.completed++;
    if (status !== 0) this.stats.errors++;
    this.endRequest(rq, status);
  }

  /** Reap every ready CQE (one at a time: a completion may queue and submit more IO). */
  reapReady(): number {
    let ended = 0;
    while (this.ring.cqReady() > 0) {
      const ud = this.ring.cqeUserData(0);
      const res = this.ring.cqeRes(0);
      const rq = this.rqs[ud - 1];
      this.sqesInFlight--;
      if (rq === undefined) {
        this.ring.cqAdvance(1);
        this.stats.strays++;
        continue;
      }
      ended += this.complete(rq, res, 0);
      this.ring.cqAdvance(1);
    }
    return ended;
  }

  /** blk_mq_ops.poll: submit what is staged, reap without blocking. */
  pollHctx(_hctx: BlkMqHwCtx): number {
    this.kick();
    if (this.ring.cqReady() === 0 && this.sqesInFlight > 0) this.ring.poll();
    return this.reapReady();
  }

  /** blk_mq_ops.wait: block until `min` requests ended or nothing is in flight. */
  waitHctx(_hctx: BlkMqHwCtx, min: number): number {
    let ended = this.deferDoorbell ? this.reapReady() : this.pollHctx(_hctx);
    while (ended < min && (this.sqesInFlight > 0 || this.ring.sqReady() > 0)) {
      const staged = this.ring.sqReady();
      this.ring.submitAndWait(1);
      this.stats.submits++;
      this.sqesInFlight += staged - this.ring.sqReady();
      ended += this.reapReady();
    }
    return ended;
  }

  /**
   * blk_mq_ops.waitAsync: submit what is staged and resolve once completions are ready. The ring
   * is watched by the event loop (`IoUring.waitCqeAsync`): no thread waits, the JS thread stays
   * free, and more requests may be queued and submitted while this is pending.
   */
  waitAsyncHctx(_hctx: BlkMqHwCtx): Promise<void> {
    if (this.sqesInFlight === 0 && this.ring.sqReady() === 0) return RESOLVED;
    const staged = this.ring.sqReady();
    const wait = this.ring.waitCqeAsync();
    this.sqesInFlight += staged - this.ring.sqReady();
    return wait as Promise<unknown> as Promise<void>;
  }

  /** Close the ring (the kernel cancels whatever is still in flight). */
  closeRing(): void {
    this.ring.close();
  }
}
