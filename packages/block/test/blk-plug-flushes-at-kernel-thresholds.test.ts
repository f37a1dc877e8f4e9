// Plugging (docs/KERNEL-SEMANTICS.md §3.11): requests are held until blk_finish_plug, or flushed when the
// plug holds BLK_MAX_REQUEST_COUNT (32) requests, or when the last one is ≥ BLK_PLUG_FLUSH_SIZE
// (128 KiB); nested plugs keep the outer one; a blocking wait flushes (schedule()).
import { describe, expect, it } from 'vitest';
import {
  BLK_MAX_REQUEST_COUNT, BlkPlug, REQ_OP_READ, blkPlugMaxRqCount, bioAddPage, bioAlloc, bioPut, blkCurrentPlug, blkFinishPlug,
  blkMqDrain, blkStartPlug, submitBio, submitBioWait, type Bio,
} from '@biopath/block';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

const bios: Bio[] = [];
function readBio(r: Rig, sector: number, pages: number): Bio {
  const bio = bioAlloc(r.bdev, pages, REQ_OP_READ);
  for (let i = 0; i < pages; i++) bioAddPage(bio, 100 + 2 * i, 4096, 0);
  bio.bi_iter.bi_sector = sector;
  bio.bi_end_io = (b) => bioPut(b);
  bios.push(bio);
  return bio;
}

describe('blk plug', () => {
  it('holds requests until finish, then issues them in one batch with last only on the final one', () => {
    const r = rig('merged', { queueDepth: 64 });
    const plug = new BlkPlug();
    blkStartPlug(plug);
    expect(blkCurrentPlug()).toBe(plug);
    for (let i = 0; i < 5; i++) submitBio(readBio(r, i * 1000, 1));
    expect(r.drv.stats.queued).toBe(0);
    expect(plug.rq_count).toBe(5);
    blkFinishPlug(plug);
    expect(blkCurrentPlug()).toBe(null);
    // five accepted, one with last, no commitRqs, and nothing accepted after that doorbell: last was the fifth
    expect(r.drv.stats).toMatchObject({ queued: 5, lastQueued: 1, commits: 0, announced: 5 });
    blkMqDrain(r.q);
  });

  it(`flushes when it already holds ${BLK_MAX_REQUEST_COUNT} requests`, () => {
    const r = rig('merged', { queueDepth: 64 });
    const plug = new BlkPlug();
    blkStartPlug(plug);
    for (let i = 0; i < BLK_MAX_REQUEST_COUNT; i++) submitBio(readBio(r, i * 1000, 1));
    expect(r.drv.stats.queued).toBe(0);
    submitBio(readBio(r, 99_000, 1));
    expect(r.drv.stats.queued).toBe(BLK_MAX_REQUEST_COUNT);
    expect(plug.rq_count).toBe(1);
    blkFinishPlug(plug);
    blkMqDrain(r.q);
  });

  it('a plug spanning two queues raises the threshold to 64 requests', () => {
    const a = rig('merged', { queueDepth: 64 });
    const b = rig('merged', { queueDepth: 64 });
    const plug = new BlkPlug();
    blkStartPlug(plug);
    for (let i = 0; i < 2 * BLK_MAX_REQUEST_COUNT; i++) submitBio(readBio(i % 2 === 0 ? a : b, i * 1000, 1));
    expect(plug.multiple_queues).toBe(true);
    expect(blkPlugMaxRqCount(plug)).toBe(2 * BLK_MAX_REQUEST_COUNT);
    expect(a.drv.stats.queued + b.drv.stats.queued).toBe(0);
    submitBio(readBio(a, 100_000, 1));
    expect(a.drv.stats.queued + b.drv.stats.queued).toBe(2 * BLK_MAX_REQUEST_COUNT);
    blkFinishPlug(plug);
    blkMqDrain(a.q);
    blkMqDrain(b.q);
  });

  it('flushes before adding behind a request of 128 KiB or more', () => {
    const r = rig('merged', { queueDepth: 64, limits: { max_hw_sectors: 2048, max_user_sectors: 2048 } });
    const plug = new BlkPlug();
    blkStartPlug(plug);
    submitBio(readBio(r, 0, 32));
    expect(r.drv.stats.queued).toBe(0);
    submitBio(readBio(r, 10_000, 1));
    expect(r.drv.stats.queued).toBe(1);
    blkFinishPlug(plug);
    blkMqDrain(r.q);
  });

  it('a nested start keeps the outer plug; only the outer finish flushes', () => {
    const r = rig('merged');
    const outer = new BlkPlug();
    const inner = new BlkPlug();
    blkStartPlug(outer);
    blkStartPlug(inner);
    submitBio(readBio(r, 0, 1));
    blkFinishPlug(inner);
    expect(r.drv.stats.queued).toBe(0);
    blkFinishPlug(outer);
    expect(r.drv.stats.queued).toBe(1);
    blkMqDrain(r.q);
  });

  it('waiting for a bio flushes the plug first (as schedule() does)', () => {
    const r = rig('merged');
    const plug = new BlkPlug();
    blkStartPlug(plug);
    const bio = readBio(r, 0, 1);
    bio.bi_end_io = null;
    expect(submitBioWait(bio)).toBe(0);
    expect(plug.nr_flushes).toBe(1);
    blkFinishPlug(plug);
    bioPut(bio);
  });
});
