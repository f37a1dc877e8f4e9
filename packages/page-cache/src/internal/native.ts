/**
 * The one module of `@biopath/page-cache` that imports `@biopath/native`: errors, arena views and
 * userfaultfd, re-exported so nothing else depends on the binding.
 */
export {
  BiopathError, errno, errnoName, warnOnOnce, arenaAliasRange, arenaCopy, arenaCreate, arenaFree, arenaZapRange,
  Userfaultfd, UserfaultfdPeer, uffdProbe, UFFDIO_CONTINUE_MODE_WP, UFFDIO_REGISTER_MODE_MINOR,
  UFFDIO_REGISTER_MODE_MISSING, UFFDIO_REGISTER_MODE_WP, UFFD_FEATURE_MINOR_SHMEM, UFFD_FEATURE_WP_HUGETLBFS_SHMEM,
  UFFD_PAGEFAULT_FLAG_WP, UFFD_PAGEFAULT_FLAG_WRITE,
} from '@biopath/native';
export type { ArenaRegion, UffdEvent } from '@biopath/native';
