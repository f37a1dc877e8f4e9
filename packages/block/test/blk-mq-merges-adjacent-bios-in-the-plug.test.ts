// Plug merging (docs/KERNEL-SEMANTICS.md §3.11): a bio adjacent to the last plugged request of the same op
// is back- or front-merged into it, unless REQ_NOMERGE, the size or segment limits, or a
// virt-boundary gap forbid it.
import { describe, expect, it } from 'vitest';
import {
  BlkPlug, REQ_NOMERGE, REQ_OP_READ, REQ_OP_WRITE, bioAddPage, bioAlloc, bioPut, blkFinishPlug, blkMqDrain,
  blkStartPlug, submitBio, type Bio, type QueueLimits,
} from '@biopath/block';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

let frame = 100;
function bioAt(r: Rig, sector: number, opf = REQ_OP_READ, len = 4096, off = 0): Bio {
  const bio = bioAlloc(r.bdev, 1, opf);
  bioAddPage(bio, frame, len, off);
  frame += 2;
  bio.bi_iter.bi_sector = sector;
  bio.bi_end_io = (b) => bioPut(b);
  return bio;
}

function plugged(limits: Partial<QueueLimits>, fn: (r: Rig) => void): Rig {
  const r = rig('merged', { limits, queueDepth: 64 });
  const plug = new BlkPlug();
  blkStartPlug(plug);
  fn(r);
  blkFinishPlug(plug);
  blkMqDrain(r.q);
  return r;
}

describe('plug merging', () => {
  it('back-merges a bio that starts where the request ends', () => {
    const r = plugged({}, (r) => { submitBio(bioAt(r, 0)); submitBio(bioAt(r, 8)); submitBio(bioAt(r, 16)); });
    expect(r.q.nr_back_merges).toBe(2);
    expect(r.drv.stats.queued).toBe(1);
  });

  it('front-merges a bio that ends where the request starts', () => {
    const r = plugged({}, (r) => { submitBio(bioAt(r, 16)); submitBio(bioAt(r, 8)); });
    expect(r.q.nr_front_merges).toBe(1);
    expect(r.drv.stats.queued).toBe(1);
  });

  it.each([
    ['different op', (r: Rig) => { submitBio(bioAt(r, 0)); submitBio(bioAt(r, 8, REQ_OP_WRITE)); }, {}],
    ['REQ_NOMERGE', (r: Rig) => { submitBio(bioAt(r, 0)); submitBio(bioAt(r, 8, REQ_OP_READ | REQ_NOMERGE)); }, {}],
    ['not adjacent', (r: Rig) => { submitBio(bioAt(r, 0)); submitBio(bioAt(r, 24)); }, {}],
    ['max_sectors', (r: Rig) => { submitBio(bioAt(r, 0)); submitBio(bioAt(r, 8)); }, { max_hw_sectors: 8 }],
    ['max_segments', (r: Rig) => { submitBio(bioAt(r, 0)); submitBio(bioAt(r, 8)); }, { max_segments: 1 }],
    ['a virt-boundary gap', (r: Rig) => { submitBio(bioAt(r, 0, REQ_OP_READ, 512)); submitBio(bioAt(r, 1)); }, { virt_boundary_mask: 4095 }],
  ] as const)('does not merge across %s', (_what, fn, limits) => {
    const r = plugged(limits as Partial<QueueLimits>, fn);
    expect(r.q.nr_back_merges + r.q.nr_front_merges).toBe(0);
    expect(r.drv.stats.queued).toBe(2);
  });
});
