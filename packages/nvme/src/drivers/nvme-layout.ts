/**
 * The `nvme` driver's memory: one arena area carved per tag (iovec array for the _VEC form, DSM
 * range list, a 64-byte image of the modelled submission queue entry, PRP/SGL list pages when
 * DPTR recording is on) and a small pool of bounce buffers, all allocated at open.
 * @kernel drivers/nvme/host/pci.c struct nvme_iod, nvme_setup_descriptor_pools()
 */
import { BiopathError } from '@biopath/native';
import { DriverArea, IOVEC_BYTES, pageAlign } from '../internal/tag-area.ts';
import type { PrpListArea } from '../prp.ts';
import { NVME_COMMAND_SIZE, NVME_CTRL_PAGE_SIZE, NVME_DSM_RANGE_SIZE } from '../nvme-defs.ts';

/** Per-request driver state (the kernel's `struct nvme_iod`). Fixed shape. */
export class NvmePdu {
  /** Commands not yet completed. */
  pending = 0;
  /** First non-OK BLK_STS_* of its commands. */
  status = 0;
  /** `cqe->res` of the first failed command. */
  res = 0;
  /** Bounce slot in use, or -1. */
  bounce = -1;
  /** iovec entries used so far by this request. */
  iovNext = 0;
  constructor(
    readonly tag: number, readonly iovByte: number, readonly dsmByte: number, readonly sqeImageByte: number,
    readonly listByte: number,
  ) {}
}

export class NvmeLayout {
  readonly area: DriverArea;
  readonly bounce: DriverArea | null;
  readonly iovPerTag: number;
  readonly listPages: number;
  readonly #listBase: number;
  readonly #bounceFree: number[] = [];
  readonly #lists: PrpListArea[] = [];

  constructor(
    readonly depth: number, readonly maxChunks: number, maxSegs: number, readonly maxBytes: number,
    bounceSlots: number, listPages: number,
  ) {
    this.iovPerTag = maxSegs * maxChunks + maxChunks;
    this.listPages = listPages;
    const small = this.iovPerTag * IOVEC_BYTES + NVME_DSM_RANGE_SIZE * 4 + NVME_COMMAND_SIZE;
    const smallAll = pageAlign(depth * small);
    this.#listBase = smallAll;
    this.area = new DriverArea(smallAll + depth * listPages * NVME_CTRL_PAGE_SIZE);
    try {
      this.bounce = bounceSlots > 0 ? new DriverArea(bounceSlots * pageAlign(maxBytes)) : null;
    } catch (e) {
      this.area.free();
      throw e;
    }
    for (let i = bounceSlots - 1; i >= 0; i--) this.#bounceFree.push(i);
  }

  /** The PDU of tag `tag`, pointing at its slices. */
  pdu(tag: number): NvmePdu {
    const small = this.iovPerTag * IOVEC_BYTES + NVME_DSM_RANGE_SIZE * 4 + NVME_COMMAND_SIZE;
    const base = tag * small;
    const dsm = base + this.iovPerTag * IOVEC_BYTES;
    return new NvmePdu(tag, base, dsm, dsm + NVME_DSM_RANGE_SIZE * 4, this.#listBase + tag * this.listPages * NVME_CTRL_PAGE_SIZE);
  }

  /** Byte offset (from the tag's iovec slice) for the next `n` iovecs; throws if the slice is exhausted. */
  iovUsed(pdu: NvmePdu, n: number): number {
    const at = pdu.iovNext;
    if (at + n > this.iovPerTag) throw new BiopathError('E2BIG', `nvme: ${at + n} iovecs exceed the ${this.iovPerTag} per request`);
    pdu.iovNext = at + n;
    return at * IOVEC_BYTES;
  }

  /** The tag's PRP/SGL list pages (for DPTR recording). */
  listArea(pdu: NvmePdu): PrpListArea {
    let a = this.#lists[pdu.tag];
    if (a === undefined) {
      a = { iova: this.area.iova(pdu.listByte), u32: this.area.u32, w: pdu.listByte >> 2, nrPages: this.listPages };
      this.#lists[pdu.tag] = a;
    }
    return a;
  }

  /** Take a bounce slot for `pdu`; false when none is free. */
  takeBounce(pdu: NvmePdu): boolean {
    const s = this.#bounceFree.pop();
    if (s === undefined) return false;
    pdu.bounce = s;
    return true;
  }

  putBounce(pdu: NvmePdu): void {
    if (pdu.bounce < 0) return;
    this.#bounceFree.push(pdu.bounce);
    pdu.bounce = -1;
  }

  bounceIova(pdu: NvmePdu): number {
    return this.bounce!.iova(pdu.bounce * pageAlign(this.maxBytes));
  }

  bounceBytes(pdu: NvmePdu): Uint8Array {
    const at = pdu.bounce * pageAlign(this.maxBytes);
    return this.bounce!.u8.subarray(at, at + this.maxBytes);
  }

  free(): void {
    this.area.free();
    this.bounce?.free();
  }
}
