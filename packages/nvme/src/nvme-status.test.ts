// NVMe status values decode into SCT/SC/DNR, map to BLK_STS_* as the Linux host does, and from
// there to the errno a caller sees.
import { describe, expect, it } from 'vitest';
import {
  BLK_STS_IOERR, BLK_STS_MEDIUM, BLK_STS_NOSPC, BLK_STS_NOTSUPP, BLK_STS_OK, BLK_STS_PROTECTION, BLK_STS_RESV_CONFLICT,
  BLK_STS_TARGET, BLK_STS_TRANSPORT, BLK_STS_INVAL, BLK_STS_AGAIN, blkStatusToErrno,
} from '@biopath/block';
import { errno } from '@biopath/native';
import {
  nvmeErrorStatus, nvmeStatusCrd, nvmeStatusDnr, nvmeStatusFromCqeDw3, nvmeStatusMore, nvmeStatusSc, nvmeStatusSct,
  nvmeStatusString, nvmeUringResToBlkStatus,
} from '@biopath/nvme';

describe('status field decoding', () => {
  it('0x4080 is SCT 0 / SC 80h (LBA Out of Range) with Do Not Retry', () => {
    expect(nvmeStatusSct(0x4080)).toBe(0);
    expect(nvmeStatusSc(0x4080)).toBe(0x80);
    expect(nvmeStatusDnr(0x4080)).toBe(true);
    expect(nvmeStatusMore(0x4080)).toBe(false);
    expect(nvmeStatusString(0x4080)).toBe('LBA Out of Range (SCT 0h SC 80h, DNR)');
  });

  it('CRD and MORE bits; the CQE DW3 form carries the phase tag in bit 16', () => {
    expect(nvmeStatusCrd(0x1800)).toBe(3);
    expect(nvmeStatusMore(0x2000)).toBe(true);
    // DW3 = status field << 17 | phase << 16 | CID
    const dw3 = ((0x4281 << 17) | (1 << 16) | 0x1234) >>> 0;
    expect(nvmeStatusFromCqeDw3(dw3)).toBe(0x4281);
  });
});

describe('nvme_error_status table', () => {
  it.each([
    [0x0, BLK_STS_OK], [0x81, BLK_STS_NOSPC], [0x80, BLK_STS_TARGET], [0x21, BLK_STS_TARGET], [0x82, BLK_STS_TARGET],
    [0x1, BLK_STS_NOTSUPP], [0x2, BLK_STS_NOTSUPP], [0xb, BLK_STS_NOTSUPP], [0x180, BLK_STS_NOTSUPP], [0x183, BLK_STS_NOTSUPP],
    [0x280, BLK_STS_MEDIUM], [0x281, BLK_STS_MEDIUM], [0x287, BLK_STS_MEDIUM], [0x182, BLK_STS_MEDIUM],
    [0x282, BLK_STS_PROTECTION], [0x181, BLK_STS_PROTECTION], [0x83, BLK_STS_RESV_CONFLICT], [0x370, BLK_STS_TRANSPORT],
    [0x4, BLK_STS_IOERR], [0x6, BLK_STS_IOERR], [0x7ff, BLK_STS_IOERR],
  ])('status 0x%s → BLK_STS %i', (status, sts) => {
    expect(nvmeErrorStatus(status)).toBe(sts);
    expect(nvmeErrorStatus(status | 0x4000 | 0x2000 | 0x1800)).toBe(sts); // DNR/MORE/CRD do not change the class
  });
});

describe('passthrough cqe->res', () => {
  it('positive is an NVMe status, negative a host errno, and the caller sees the mapped errno', () => {
    expect(nvmeUringResToBlkStatus(0)).toBe(BLK_STS_OK);
    expect(nvmeUringResToBlkStatus(0x4080)).toBe(BLK_STS_TARGET);
    expect(blkStatusToErrno(nvmeUringResToBlkStatus(0x4080))).toBe(-errno.EREMOTEIO);
    expect(nvmeUringResToBlkStatus(-errno.EINVAL)).toBe(BLK_STS_INVAL);
    expect(nvmeUringResToBlkStatus(-errno.EAGAIN)).toBe(BLK_STS_AGAIN);
    expect(nvmeUringResToBlkStatus(-errno.EINTR)).toBe(BLK_STS_IOERR);
  });
});
