// bio_copy_user_iov / bio_uncopy_user (docs/KERNEL-SEMANTICS.md §3.10): the bounce path allocates one
// kernel page at a time and bio_add_hw_page merges physically adjacent pages into one multi-page
// bvec; unmapping must free every page of every bvec (the kernel's bio_free_pages walks each
// single-page segment), not only each bvec's first page. Checked for the three ways into the
// bounce path: a misaligned user buffer, KVEC memory, and an IOVEC with a virt-boundary gap.
import { describe, expect, it } from 'vitest';
import {
  BIO_BOUNCED, REQ_OP_DRV_IN, REQ_OP_DRV_OUT, bioFlagged, blkMqAllocRequest, blkMqFreeRequest, blkRqMapUserIov,
  blkRqUnmapUser, type Bio, type QueueLimits,
} from '@biopath/block';
import { ITER_DEST, ITER_SOURCE, createIovIter, iovIterInit, iovIterKvec, iovIterUbuf, type IovIter } from '@biopath/iov-iter';
import { allocPages, pageAddress, putPage } from '@biopath/mm';
import { rig, useRigGate, type Rig } from './helpers.ts';

useRigGate();

/** Every frame a bio's bvecs cover, page by page. */
function bouncePfns(bio: Bio): number[] {
  const pfns: number[] = [];
  for (let k = 0; k < bio.bi_vcnt; k++) {
    const bv = bio.bi_io_vec[k];
    const last = bv.bv_page + ((bv.bv_offset + bv.bv_len - 1) >>> 12);
    for (let p = bv.bv_page + (bv.bv_offset >>> 12); p <= last; p++) pfns.push(p);
  }
  return pfns;
}

interface Case {
  name: string;
  limits?: Partial<QueueLimits>;
  op: number;
  /** Build the iterator (after the baseline was taken); `done` gives back what it allocated. */
  iter(r: Rig): { it: IovIter; done(): void };
}

const cases: Case[] = [
  {
    name: 'a misaligned user buffer (3 pages at offset 100)',
    op: REQ_OP_DRV_IN,
    iter(r) {
      const a = r.mm.mmap(4 * 4096);
      r.mm.write(a, new Uint8Array(4 * 4096));
      return { it: iovIterUbuf(createIovIter(), ITER_DEST, r.mm, a + 100, 3 * 4096), done: () => undefined };
    },
  },
  {
    name: 'KVEC memory (four pages)',
    op: REQ_OP_DRV_OUT,
    iter(r) {
      const pfn = allocPages(r.mem, 2);
      const kv = [{ iov_base: pageAddress(r.mem, pfn), iov_len: 4 * 4096 }];
      return { it: iovIterKvec(createIovIter(), ITER_SOURCE, r.mem, kv, 1, 4 * 4096), done: () => putPage(r.mem, pfn) };
    },
  },
  {
    name: 'an IOVEC with a virt-boundary gap',
    limits: { virt_boundary_mask: 4095 },
    op: REQ_OP_DRV_OUT,
    iter(r) {
      const a = r.mm.mmap(4 * 4096);
      r.mm.write(a, new Uint8Array(4 * 4096).fill(7));
      const iov = [{ iov_base: a, iov_len: 2048 }, { iov_base: a + 2 * 4096, iov_len: 8192 }];
      return { it: iovIterInit(createIovIter(), ITER_SOURCE, r.mm, iov, 2, 2048 + 8192), done: () => undefined };
    },
  },
];

describe.each(cases)('bouncing $name', (c) => {
  it('a multi-page bounce frees every page', () => {
    const r = rig('merged', { limits: c.limits });
    const { it: iter, done } = c.iter(r);
    const freeBefore = r.mem.nrFree;
    const rq = blkMqAllocRequest(r.q, c.op);
    expect(blkRqMapUserIov(rq, iter)).toBe(0);
    const bio = rq.bio!;
    expect(bioFlagged(bio, BIO_BOUNCED)).toBe(true);
    const pfns = bouncePfns(bio);
    const nrSegs = bio.bi_vcnt;
    const freeMapped = r.mem.nrFree;
    const refsMapped = pfns.map((p) => r.mem.refcount[p]);
    rq.bio = null;
    blkMqFreeRequest(rq);
    expect(blkRqUnmapUser(bio, true)).toBe(0);
    // the case must really produce a multi-page bvec, else it proves nothing
    expect(pfns.length).toBeGreaterThan(nrSegs);
    expect(freeMapped).toBe(freeBefore - pfns.length);
    expect(refsMapped.every((n) => n === 1)).toBe(true);
    for (const p of pfns) expect(r.mem.refcount[p], `bounce page ${p} after unmap`).toBe(0);
    expect(r.mem.nrFree).toBe(freeBefore);
    done();
  });
});
