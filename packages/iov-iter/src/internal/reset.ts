import type { IterType } from '../constants.ts';
import type { IovIter } from '../iov-iter.ts';

/** `*i = (struct iov_iter){ ... }`: set the common fields and clear every type-specific one. */
export function resetIter(i: IovIter, type: IterType, dataSource: boolean, count: number, nrSegs: number): void {
  i.iter_type = type;
  i.data_source = dataSource;
  i.nofault = false;
  i.user_backed = false;
  i.count = count;
  i.iov_offset = 0;
  i.nr_segs = nrSegs;
  i.ubuf = 0;
  i.__iov = null;
  i.kvec = null;
  i.bvec = null;
  i.seg = 0;
  i.xarray = null;
  i.xarray_start = 0;
  i.folioq = null;
  i.folioq_slot = 0;
  i.pipe = null;
  i.head = 0;
  i.start_head = 0;
  i.mm = null;
  i.mem = null;
}
