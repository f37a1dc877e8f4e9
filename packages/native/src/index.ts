/**
 * @biopath/native — the syscalls and raw memory under biopath: the memory arena (IOVAs, never
 * pointers), io_uring instances fed one batch per call, block devices, userfaultfd, and the
 * error type every layer throws.
 */
export {
  BiopathError, errno, errnoName, errFromErrno, check, warnOnOnce, warnOnOnceCount, warnOnOnceReset,
} from './errors.ts';
export type { ErrnoCode } from './errors.ts';
export {
  arenaCreate, arenaAlias, arenaAliasRange, arenaZapRange, arenaFree, arenaCopy, arenaLiveRegions, iovaRegion, iovaOffset, IOVA_SHIFT, IOVA_REGION_SPAN, ARENA_PAGE_SIZE,
  ARENA_MAX_REGION_SIZE, ARENA_MAX_REGION_ID,
} from './arena.ts';
export type { ArenaRegion } from './arena.ts';
export {
  NativeRingHandle, CTL_SUBMITTED, CTL_REFUSED, CTL_CQES, CTL_ENTER_RES, CTL_SQ_HEAD, CTL_SQ_TAIL, CTL_CQ_HEAD, CTL_CQ_TAIL,
  CTL_REFUSED_TOTAL,
} from './ring.ts';
export type { RingSetup, RingBuffers } from './ring.ts';
export { openDevice, closeFd, deviceInfo } from './device.ts';
export type { DeviceInfo, OpenOptions } from './device.ts';
export { threadCpuTimeNs } from './clock.ts';
export {
  Userfaultfd, UserfaultfdPeer, uffdProbe, UffdResolve, UFFD_MAX_FAULT_AROUND, UFFDIO_CONTINUE_MODE_DONTWAKE, UFFDIO_CONTINUE_MODE_WP,
  UFFD_FEATURE_PAGEFAULT_FLAG_WP, UFFD_FEATURE_MISSING_SHMEM, UFFD_FEATURE_THREAD_ID, UFFD_FEATURE_MINOR_SHMEM,
  UFFD_FEATURE_WP_HUGETLBFS_SHMEM, UFFD_FEATURE_WP_UNPOPULATED,
  UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_WP, UFFDIO_REGISTER_MODE_MINOR,
  UFFD_PAGEFAULT_FLAG_WRITE, UFFD_PAGEFAULT_FLAG_WP, UFFD_PAGEFAULT_FLAG_MINOR,
} from './uffd.ts';
export type { UffdFrameRule, UffdResolveKind, UffdStats, UffdEvent } from './uffd.ts';
