// Identify Controller / Namespace decode from the spec's byte offsets, and the queue limits they imply.
import { describe, expect, it } from 'vitest';
import { BLK_FEAT_FUA, BLK_FEAT_WRITE_CACHE } from '@biopath/block';
import { nvmeCtrlSglSupport, nvmeMdtsBytes, nvmeParseIdCtrl, nvmeParseIdNs, nvmeQueueLimits } from '@biopath/nvme';

function idCtrl(): Uint8Array {
  const b = Buffer.alloc(4096);
  b.writeUInt16LE(0x1b36, 0); // VID (QEMU)
  b.write('deadbeef            ', 4, 'ascii'); // SN, space padded
  b.write('QEMU NVMe Ctrl', 24, 'ascii');
  b.write('7.2.0   ', 64, 'ascii');
  b[77] = 7; // MDTS: 2^7 pages
  b.writeUInt32LE(0x00010400, 80); // VER 1.4
  b.writeUInt32LE(256, 516); // NN
  b.writeUInt16LE(0x000c, 520); // ONCS: DSM | Write Zeroes
  b[525] = 1; // VWC present
  b.writeUInt32LE(0x1, 536); // SGLS: supported, no alignment rule
  b.write('nqn.2019-08.org.qemu:deadbeef', 768, 'ascii');
  return b;
}

function idNs(flbas: number, nlbaf: number): Uint8Array {
  const b = Buffer.alloc(4096);
  b.writeBigUInt64LE(131072n, 0); // NSZE
  b.writeBigUInt64LE(131072n, 8);
  b[25] = nlbaf;
  b[26] = flbas;
  b[33] = 0x09; // DLFEAT: reads of deallocated blocks return zeroes, Write Zeroes may deallocate
  for (let i = 0; i <= nlbaf; i++) { b.writeUInt16LE(i === 17 ? 8 : 0, 128 + i * 4); b[130 + i * 4] = i % 2 ? 12 : 9; }
  return b;
}

describe('Identify Controller', () => {
  it('decodes the fields at their spec offsets', () => {
    const c = nvmeParseIdCtrl(idCtrl());
    expect(c).toMatchObject({ vid: 0x1b36, sn: 'deadbeef', mn: 'QEMU NVMe Ctrl', fr: '7.2.0', mdts: 7, ver: 0x10400, nn: 256,
      oncs: 0xc, vwc: 1, sgls: 1, subnqn: 'nqn.2019-08.org.qemu:deadbeef' });
    expect(nvmeMdtsBytes(c)).toBe(512 * 1024);
    expect(nvmeCtrlSglSupport(c)).toBe('byte');
  });

  it('MDTS 0 means no limit; a short buffer is refused', () => {
    const b = idCtrl();
    b[77] = 0;
    expect(nvmeMdtsBytes(nvmeParseIdCtrl(b))).toBe(Infinity);
    expect(() => nvmeParseIdCtrl(new Uint8Array(100))).toThrow(/EINVAL.*nvmeParseIdCtrl\(data\): 100 bytes/);
  });
});

describe('Identify Namespace', () => {
  it('the format in use comes from FLBAS bits 3:0', () => {
    const ns = nvmeParseIdNs(idNs(1, 3));
    expect(ns).toMatchObject({ nsze: 131072, nlbaf: 3, lbafIndex: 1, lbaSize: 4096, metadataSize: 0 });
  });

  it('with more than 16 formats, FLBAS bits 6:5 are the upper index bits', () => {
    const ns = nvmeParseIdNs(idNs(0x20 | 1, 20)); // index 1 + (1 << 4) = 17
    expect(ns).toMatchObject({ lbafIndex: 17, lbaSize: 4096, metadataSize: 8 });
  });
});

describe('queue limits from Identify', () => {
  it('LBA size, MDTS-capped max_hw_sectors, PRP virt boundary, dword DMA, ONCS and VWC features', () => {
    const l = nvmeQueueLimits(nvmeParseIdCtrl(idCtrl()), nvmeParseIdNs(idNs(0, 1)));
    expect(l).toMatchObject({ logical_block_size: 512, max_hw_sectors: 1024, virt_boundary_mask: 4095, dma_alignment: 3,
      max_write_zeroes_sectors: 65536, features: BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA });
    expect(l.max_hw_discard_sectors).toBeGreaterThan(0);
  });

  it('the host queue\'s own max_hw_sectors caps MDTS; no ONCS bits mean no zeroes/discard', () => {
    const c = nvmeParseIdCtrl(idCtrl());
    c.oncs = 0;
    c.vwc = 0;
    const l = nvmeQueueLimits(c, nvmeParseIdNs(idNs(1, 1)), 256);
    expect(l).toMatchObject({ logical_block_size: 4096, max_hw_sectors: 256, max_write_zeroes_sectors: 0, max_hw_discard_sectors: 0, features: 0 });
  });
});
