// Dispatch to the driver interface: busy answers keep the request and retry it after a completion,
// errors fail its bios with the status (→ errno at the caller), the doorbell (commitRqs) rings when
// a batch ends early, completions inside queueRq are deferred safely, tags run out into a backlog,
// and expired requests go to the driver's timeout handler.
import { describe, expect, it } from 'vitest';
import {
  BLK_STS_DEV_RESOURCE, BLK_STS_IOERR, BLK_STS_MEDIUM, BLK_STS_RESOURCE, BlkPlug, REQ_NOWAIT, REQ_OP_READ, RQF_TIMED_OUT,
  bioAddPage, bioAlloc, bioPut, bdevCreate, blkFinishPlug, blkMqDestroyQueue, blkMqDrain, blkMqInFlight, blkMqInitQueue,
  blkMqPoll, blkMqTimeoutWork, blkMqWaitAsync, blkStartPlug,
  submitBio, submitBioWait, type Bio, type Request,
} from '@biopath/block';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

const results: number[] = [];
function readBio(r: Rig, sector: number, opf = REQ_OP_READ): Bio {
  const bio = bioAlloc(r.bdev, 1, opf);
  bioAddPage(bio, 100 + sector, 4096, 0);
  bio.bi_iter.bi_sector = sector;
  bio.bi_end_io = (b) => { results.push(b.bi_status); bioPut(b); };
  return bio;
}

describe('dispatch', () => {
  it.each([BLK_STS_RESOURCE, BLK_STS_DEV_RESOURCE])('status %i (busy) keeps the request and retries it after a completion', (busy) => {
    results.length = 0;
    const r = rig('merged', { faults: [{ nth: [2], action: { kind: 'busy', status: busy } }] });
    submitBio(readBio(r, 0));
    submitBio(readBio(r, 8));
    expect(r.drv.stats.busy).toBe(1);
    expect(r.q.queue_hw_ctx[0].dispatch).not.toBe(null);
    blkMqDrain(r.q);
    expect(results).toEqual([0, 0]);
    expect(r.q.queue_hw_ctx[0].busy).toBe(1);
    expect(r.q.queue_hw_ctx[0].dispatch).toBe(null);
  });

  it('busy in the middle of a plugged batch rings the doorbell for what was queued', () => {
    results.length = 0;
    const r = rig('merged', { faults: [{ nth: [3], action: { kind: 'busy', status: BLK_STS_DEV_RESOURCE } }] });
    const plug = new BlkPlug();
    blkStartPlug(plug);
    for (let i = 0; i < 4; i++) submitBio(readBio(r, i * 100));
    blkFinishPlug(plug);
    // two accepted, neither with last; the doorbell for both came from commitRqs
    expect(r.drv.stats).toMatchObject({ queued: 2, lastQueued: 0, announced: 2 });
    expect(r.drv.stats.commits).toBe(1);
    blkMqDrain(r.q);
    expect(results).toEqual([0, 0, 0, 0]);
  });

  it('an error answer fails the request and its bio reports the errno', () => {
    const r = rig('merged', { faults: [{ action: { kind: 'error', when: 'submit', status: BLK_STS_MEDIUM } }] });
    const bio = readBio(r, 0);
    bio.bi_end_io = null;
    expect(submitBioWait(bio)).toBe(-61);
    bioPut(bio);
  });

  it('a device error at completion becomes BLK_STS_IOERR → -EIO', () => {
    const r = rig('merged', { faults: [{ action: { kind: 'error', when: 'complete', status: BLK_STS_IOERR } }] });
    const bio = readBio(r, 0);
    bio.bi_end_io = null;
    expect(submitBioWait(bio)).toBe(-5);
    bioPut(bio);
  });

  it('completions inside queueRq are ended after the dispatch returns', () => {
    results.length = 0;
    const r = rig('merged', { irqmode: 'none' });
    for (let i = 0; i < 40; i++) submitBio(readBio(r, i * 8));
    expect(results.length).toBe(40);
    expect(blkMqInFlight(r.q)).toBe(0);
  });
});

describe('hardware queues and async waiting', () => {
  it('requests go to the submitting context\'s hardware queue, each with its own tags', () => {
    results.length = 0;
    const r = rig('merged', { queueDepth: 2 });
    expect(r.q.nr_hw_queues).toBe(1);
    const r2 = rig('merged', { queueDepth: 2 });
    r2.drv.set.nr_hw_queues = 2;
    const q2 = blkMqInitQueue(r2.drv.set, {}, r2.mem);
    const bdev2 = bdevCreate(q2, r2.drv.sizeBytes);
    q2.cur_hctx = 1;
    const bio = readBio(r2, 0);
    bio.bi_bdev = bdev2;
    submitBio(bio);
    expect(q2.queue_hw_ctx[1].queued).toBe(1);
    expect(q2.queue_hw_ctx[0].queued).toBe(0);
    blkMqDrain(q2);
    expect(results).toEqual([0]);
    blkMqDestroyQueue(q2);
  });

  it('blkMqWaitAsync resolves and completes what the driver finished', async () => {
    results.length = 0;
    const r = rig('merged');
    submitBio(readBio(r, 0));
    submitBio(readBio(r, 8 * 100));
    let n = 0;
    while (results.length < 2) n += await blkMqWaitAsync(r.q);
    expect(n).toBe(2);
    expect(results).toEqual([0, 0]);
  });
});

describe('tags', () => {
  it('bios beyond the queue depth wait in a backlog and are admitted as tags free up', () => {
    results.length = 0;
    const r = rig('merged', { queueDepth: 2 });
    for (let i = 0; i < 6; i++) submitBio(readBio(r, i * 100));
    expect(r.drv.stats.queued).toBe(2);
    expect(r.q.backlog).not.toBe(null);
    blkMqDrain(r.q);
    expect(results).toEqual([0, 0, 0, 0, 0, 0]);
    expect(r.drv.stats.queued).toBe(6);
  });

  it('a REQ_NOWAIT bio finding no tag fails with BLK_STS_AGAIN', () => {
    const r = rig('merged', { queueDepth: 1 });
    submitBio(readBio(r, 0));
    const bio = readBio(r, 100, REQ_OP_READ | REQ_NOWAIT);
    bio.bi_end_io = null;
    expect(submitBioWait(bio)).toBe(-11);
    bioPut(bio);
    blkMqDrain(r.q);
  });
});

/** The request the faulty driver lost (its `timeout` fault): only block's timeout handler ends it. */
function lostRequest(r: Rig): Request {
  return r.q.queue_hw_ctx[0].tags.static_rqs[r.faults!.log[0].tag];
}

describe('timeouts', () => {
  it('an expired request goes to the driver timeout handler, which ends it with BLK_STS_TIMEOUT', () => {
    results.length = 0;
    const r = rig('merged', { faults: [{ action: { kind: 'timeout' } }] });
    submitBio(readBio(r, 0));
    blkMqPoll(r.q);
    expect(results).toEqual([]);
    const rq = lostRequest(r);
    expect(blkMqTimeoutWork(r.q, rq.deadline - 1)).toBe(0);
    expect(blkMqTimeoutWork(r.q, rq.deadline + 1)).toBe(1);
    expect(results).toEqual([2]);
    expect(r.q.queue_hw_ctx[0].timed_out).toBe(1);
    expect(rq.rq_flags & RQF_TIMED_OUT).toBe(0);
  });

  it('reset-timer re-arms the deadline and keeps the request', () => {
    const r = rig('merged', { faults: [{ action: { kind: 'timeout', resets: 1 } }] });
    submitBio(readBio(r, 0));
    const rq = lostRequest(r);
    const d = rq.deadline;
    expect(blkMqTimeoutWork(r.q, d + 5)).toBe(1);
    expect(rq.deadline).toBeGreaterThan(d);
    expect(blkMqInFlight(r.q)).toBe(1);
    blkMqTimeoutWork(r.q, rq.deadline + 1);
    expect(blkMqInFlight(r.q)).toBe(0);
  });
});
