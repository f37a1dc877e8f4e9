/**
 * Page-size, address-space and user-API constants (x86-64 values).
 */

/** Behaviour profile; see docs/KERNEL-SEMANTICS.md §0.1. */
export type Profile = 'legacy' | 'v8' | 'merged' | 'current';

export const PROFILES: readonly Profile[] = ['legacy', 'v8', 'merged', 'current'];

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = -PAGE_SIZE;

/** @kernel include/linux/mm.h GUP_PIN_COUNTING_BIAS */
export const GUP_PIN_COUNTING_BIAS = 1024;

/** Base of the emulated kernel direct map: frame `pfn` lives at `PAGE_OFFSET + pfn * PAGE_SIZE`. */
export const PAGE_OFFSET = 0x1000_0000_0000;
/** Emulated vmalloc area (disjoint from the direct map). */
export const VMALLOC_START = 0x2000_0000_0000;
export const VMALLOC_END = 0x3000_0000_0000;

/** @kernel arch/x86/include/asm/page_64_types.h TASK_SIZE_MAX */
export const TASK_SIZE = 0x8000_0000_0000 - PAGE_SIZE;
/** Top of the top-down mmap area of an emulated process. */
export const MMAP_BASE = 0x7f00_0000_0000;

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;

/** @kernel include/uapi/asm-generic/mman-common.h MADV_DONTNEED */
export const MADV_DONTNEED = 4;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;
/** @kernel include/uapi/asm-generic/mman-common.h MADV_HUGEPAGE — allow PMD-mapped THPs in the range. */
export const MADV_HUGEPAGE = 14;
/** @kernel include/uapi/asm-generic/mman-common.h MADV_NOHUGEPAGE */
export const MADV_NOHUGEPAGE = 15;
/** @kernel include/uapi/asm-generic/mman-common.h MADV_PAGEOUT — reclaim (swap out) the range now. */
export const MADV_PAGEOUT = 21;
/** @kernel include/uapi/asm-generic/mman-common.h MADV_COLLAPSE — synchronous khugepaged collapse. */
export const MADV_COLLAPSE = 25;

/** @kernel include/uapi/linux/mman.h MREMAP_MAYMOVE */
export const MREMAP_MAYMOVE = 1;
/** @kernel include/uapi/linux/mman.h MREMAP_FIXED */
export const MREMAP_FIXED = 2;

/** Order of a PMD-mapped THP (2 MiB). @kernel include/linux/huge_mm.h HPAGE_PMD_ORDER */
export const HPAGE_PMD_ORDER = 9;
/** Order of a PUD-sized (1 GiB) hugetlb page. @kernel include/linux/huge_mm.h HPAGE_PUD_SHIFT */
export const HPAGE_PUD_ORDER = 18;

/** Slots of a pipe created by pipe(2). @kernel include/linux/pipe_fs_i.h PIPE_DEF_BUFFERS */
export const PIPE_DEF_BUFFERS = 16;

/** @kernel include/linux/sched/coredump.h MMF_HAS_PINNED (bit 27, sticky) */
export const MMF_HAS_PINNED = 1 << 27;

/** Largest folio order the frame allocator hands out: 18 = 1 GiB, the largest hugetlb size on x86-64. */
export const MAX_PAGE_ORDER = 18;
