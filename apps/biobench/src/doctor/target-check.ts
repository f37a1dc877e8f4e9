/**
 * doctor's view of a target: O_DIRECT possible, logical block size and buffer alignment, the
 * largest IO and segment limits, and which of biobench's engines can use it. Opens read-only.
 */
import { closeFd, deviceInfo, openDevice } from '@biopath/native';
import { showSize } from '../options/kinds.ts';
import type { Check } from './probes.ts';
import type { StackAvailability } from '../engine/registry.ts';

export function targetChecks(path: string, temporary: boolean): Check[] {
  const label = temporary ? `${path} (temporary image)` : path;
  let fd: number;
  try {
    fd = openDevice(path, { direct: true });
  } catch (e) {
    const code = (e as { code?: string }).code;
    return [{ feature: 'O_DIRECT', status: 'missing', found: `${label}: ${(e as Error).message}`, meaning: code === 'EINVAL' ? 'no direct IO on this target: run with --direct 0 (buffered)' : 'the target cannot be opened' }];
  }
  try {
    const i = deviceInfo(fd);
    return [
      { feature: 'O_DIRECT', status: 'ok', found: `${label}: ${i.isBlock ? `block device ${i.name}` : 'file'}, ${showSize(i.size)}`, meaning: 'direct IO works on this target' },
      {
        feature: 'O_DIRECT alignment', status: 'info',
        found: `logical block ${i.logicalBlockSize} B, physical ${i.physicalBlockSize} B, buffer alignment ${i.dmaAlignment + 1} B`,
        meaning: `--bs and --offset must be multiples of ${i.logicalBlockSize}; biobench's buffers are page-aligned, so alignment is always met`,
      },
      {
        feature: 'IO size limits', status: 'info',
        found: `max IO ${showSize(i.maxSectorsKb * 1024)} (hw ${showSize(i.maxHwSectorsKb * 1024)}), ${i.maxSegments} segments of up to ${i.maxSegmentSize >= 0xffffffff ? 'any size' : showSize(i.maxSegmentSize)}${i.virtBoundaryMask ? `, virt boundary ${i.virtBoundaryMask + 1}` : ''}`,
        meaning: `larger --bs values are split by the stack engine (as the kernel splits bios) at ${showSize(i.maxSectorsKb * 1024)}`,
      },
    ];
  } finally {
    closeFd(fd);
  }
}

export function stackCheck(s: StackAvailability): Check {
  return s.ok
    ? { feature: 'stack engine', status: 'ok', found: '@biopath/block + @biopath/nvme loaded', meaning: '--engine stack (strategies pin/get/list, release modes, drivers bdev/null/nvme) is available; it is the default' }
    : { feature: 'stack engine', status: 'missing', found: s.reason, meaning: 'biobench runs the uring engine (raw io_uring, strategy raw) until the stack lands' };
}
