/**
 * The one module of `@biopath/page-cache` that imports `@biopath/native`: errors, arena views and
 * userfaultfd, re-exported so nothing else depends on the binding.
 */
export {
  BiopathError, errno, errnoName, warnOnOnce, arenaAliasRange, arenaFree, arenaZapRange, Userfaultfd, uffdProbe,
  UFFDIO_REGISTER_MODE_MINOR, UFFDIO_REGISTER_MODE_WP, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
  UFFD_PAGEFAULT_FLAG_WP,
} from '@biopath/native';
export type { ArenaRegion, UffdEvent } from '@biopath/native';
