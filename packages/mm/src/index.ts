/**
 * @biopath/mm — page frames over the native arena (mem_map, folios, the frame allocator and the zero
 * page), GUP get/pin/unpin with the kernel's pin accounting, kernel virtual addresses (direct map and
 * vmalloc), and an emulated process address space with faults, COW and fork.
 */
export {
  PAGE_SIZE, PAGE_SHIFT, PAGE_MASK, GUP_PIN_COUNTING_BIAS, PAGE_OFFSET, VMALLOC_START, VMALLOC_END, TASK_SIZE,
  PROT_NONE, PROT_READ, PROT_WRITE, MADV_DONTNEED, MADV_DONTFORK, MADV_DOFORK, MADV_HUGEPAGE, MADV_NOHUGEPAGE,
  MADV_COLLAPSE, MADV_PAGEOUT, MREMAP_MAYMOVE, MREMAP_FIXED, MMF_HAS_PINNED, MAX_PAGE_ORDER, HPAGE_PMD_ORDER, HPAGE_PUD_ORDER,
  PIPE_DEF_BUFFERS,
  PROFILES,
} from './internal/constants.ts';
export type { Profile } from './internal/constants.ts';
export {
  FOLL_WRITE, FOLL_TOUCH, FOLL_GET, FOLL_DUMP, FOLL_FORCE, FOLL_NOWAIT, FOLL_NOFAULT, FOLL_HWPOISON, FOLL_TRIED,
  FOLL_REMOTE, FOLL_ANON, FOLL_LONGTERM, FOLL_SPLIT_PMD, FOLL_PIN, FOLL_FAST_ONLY, FOLL_PCI_P2PDMA,
  FOLL_INTERRUPTIBLE, FOLL_6_2, FOLL_V8, FOLL_CURRENT, follToV8, follFromV8, follToCurrent,
} from './internal/foll-flags.ts';
export type { FollName } from './internal/foll-flags.ts';
export {
  PG_locked, PG_uptodate, PG_dirty, PG_head, PG_reserved, PG_anon, PG_anon_exclusive, PG_zero, PG_p2pdma,
  PG_buddy, PG_vmalloc, PG_shmem, PG_hugetlb,
} from './internal/page-flags.ts';

// frames
export type { MemMap } from './internal/mem-map.ts';
export {
  pageFolio, folioNrPages, folioHasPincount, isZeroPfn, isP2pdmaPage, pageDirty, setPageDirty,
} from './internal/mem-map.ts';
export {
  createMemMap, destroyMemMap, pageToIova, pageBytes, liveMemMaps, pinsOutstandingAtDestroy,
} from './internal/mem-map-create.ts';
export type { MemMapOpts } from './internal/mem-map-create.ts';
export { allocPages } from './internal/page-alloc.ts';
export { getPage, putPage } from './internal/page-ref.ts';

// hugetlb pools
export { HUGETLB_SIZES, setNrHugepages, hugetlbPoolStats } from './internal/hugetlb-pool.ts';
export type { HugetlbSize, HugetlbPoolStats } from './internal/hugetlb-pool.ts';

// kernel virtual addresses
export {
  pageAddress, virtAddrValid, virtToPage, vmalloc, vfree, isVmallocAddr, vmallocToPage, kernelRead, kernelWrite,
} from './internal/kaddr.ts';

// process address space
export { MmStruct } from './internal/mm-struct.ts';
export { dumpPage } from './internal/introspect.ts';
export { memfdCreate, memfdClose } from './internal/memfd.ts';
export type { MemfdFile } from './internal/memfd.ts';
export type { PagemapEntry } from './internal/introspect.ts';
export type { MmapOpts } from './internal/mmap.ts';
export type { ForkHooks } from './internal/fork.ts';

// pipes (vmsplice)
export { allocPipeInfo, vmsplice, pipeRead, freePipeInfo } from './internal/pipe.ts';
export type { PipeInodeInfo, PipeBuffer } from './internal/pipe.ts';

// GUP
export { pinUserPagesFast, getUserPagesFast, pinUserPages, getUserPages } from './internal/gup.ts';
export { folioAddPin, folioMaybeDmaPinned, folioNeedsCowForDma } from './internal/gup-grab.ts';
export { folioIsLongtermPinnable } from './internal/longterm-pin.ts';
export {
  unpinUserPage, unpinUserPages, unpinUserPagesDirtyLock, unpinUserPageRangeDirtyLock, unpinUserFolio,
  folioPutUnpin, pagePutUnpin,
} from './internal/gup-unpin.ts';

// leak gate
export { snapshotPins, expectNoLeakedPins } from './internal/leak-gate.ts';
export type { PinSnapshot } from './internal/leak-gate.ts';
