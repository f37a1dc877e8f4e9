/**
 * The package surface other packages build against (README "API"): a change here is a visible diff.
 */
import { expect, it } from 'vitest';
import * as mm from '../src/index.ts';

it('exports exactly the documented names', () => {
  expect(Object.keys(mm).sort()).toEqual([
    'FOLL_6_2', 'FOLL_ANON', 'FOLL_CURRENT', 'FOLL_DUMP', 'FOLL_FAST_ONLY', 'FOLL_FORCE', 'FOLL_GET', 'FOLL_HWPOISON',
    'FOLL_INTERRUPTIBLE', 'FOLL_LONGTERM', 'FOLL_NOFAULT', 'FOLL_NOWAIT', 'FOLL_PCI_P2PDMA', 'FOLL_PIN', 'FOLL_REMOTE',
    'FOLL_SPLIT_PMD', 'FOLL_TOUCH', 'FOLL_TRIED', 'FOLL_V8', 'FOLL_WRITE', 'GUP_PIN_COUNTING_BIAS', 'MADV_DOFORK',
    'MADV_DONTFORK', 'MADV_DONTNEED', 'MAX_PAGE_ORDER', 'MMF_HAS_PINNED', 'MmStruct', 'PAGE_MASK', 'PAGE_OFFSET',
    'PAGE_SHIFT', 'PAGE_SIZE', 'PG_anon', 'PG_anon_exclusive', 'PG_buddy', 'PG_dirty', 'PG_head', 'PG_locked',
    'PG_p2pdma', 'PG_reserved', 'PG_shmem', 'PG_uptodate', 'PG_vmalloc', 'PG_zero', 'PROFILES', 'PROT_NONE',
    'PROT_READ', 'PROT_WRITE', 'TASK_SIZE', 'VMALLOC_END', 'VMALLOC_START', 'allocPages', 'createMemMap',
    'destroyMemMap', 'expectNoLeakedPins', 'folioAddPin', 'folioHasPincount', 'folioMaybeDmaPinned',
    'folioNeedsCowForDma', 'folioNrPages', 'folioPutUnpin', 'follFromV8', 'follToCurrent', 'follToV8', 'getPage',
    'getUserPages', 'getUserPagesFast', 'isP2pdmaPage', 'isVmallocAddr', 'isZeroPfn', 'kernelRead', 'kernelWrite', 'liveMemMaps', 'pinsOutstandingAtDestroy',
    'pageAddress', 'pageBytes', 'pageDirty', 'pageFolio', 'pagePutUnpin', 'pageToIova', 'pinUserPages',
    'pinUserPagesFast', 'putPage', 'setPageDirty', 'snapshotPins', 'unpinUserFolio', 'unpinUserPage',
    'unpinUserPageRangeDirtyLock', 'unpinUserPages', 'unpinUserPagesDirtyLock', 'vfree', 'virtAddrValid',
    'virtToPage', 'vmalloc', 'vmallocToPage',
  ].sort());
});

it('keeps the kernel constants the contract fixes', () => {
  expect([mm.PAGE_SIZE, mm.PAGE_SHIFT, mm.GUP_PIN_COUNTING_BIAS]).toEqual([4096, 12, 1024]);
  expect([mm.FOLL_WRITE, mm.FOLL_GET, mm.FOLL_NOFAULT, mm.FOLL_LONGTERM, mm.FOLL_PIN, mm.FOLL_FAST_ONLY, mm.FOLL_PCI_P2PDMA])
    .toEqual([0x01, 0x04, 0x80, 0x10000, 0x40000, 0x80000, 0x100000]);
  expect([mm.PROT_NONE, mm.PROT_READ, mm.PROT_WRITE, mm.MADV_DONTFORK, mm.MADV_DOFORK]).toEqual([0, 1, 2, 10, 11]);
});
