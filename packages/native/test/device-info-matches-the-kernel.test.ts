// deviceInfo reports what the kernel reports: sizes and block sizes by ioctl, queue limits from
// sysfs, for a real loop device and for an image file.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { closeFd, deviceInfo, openDevice } from '@biopath/native';
import { createImage, probe, removeImage, withLoopDevice } from '@biopath/testing';

const loop = probe.loop();

const sys = (dev: string, f: string): number => Number(readFileSync(`/sys/block/${dev.replace('/dev/', '')}/queue/${f}`, 'utf8'));

it.skipIf(!loop.ok)('a loop device: size, logical block size and queue limits match sysfs', async () => {
  await withLoopDevice(3 << 20, (dev) => {
    const fd = openDevice(dev, { direct: true });
    try {
      const i = deviceInfo(fd);
      expect(i.isBlock).toBe(true);
      expect(i.size).toBe(3 << 20);
      expect(i.name).toBe(dev.replace('/dev/', ''));
      expect(i.logicalBlockSize).toBe(sys(dev, 'logical_block_size'));
      expect(i.maxSegments).toBe(sys(dev, 'max_segments'));
      expect(i.maxSegmentSize).toBe(sys(dev, 'max_segment_size'));
      expect(i.maxSectorsKb).toBe(sys(dev, 'max_sectors_kb'));
      expect(i.dmaAlignment).toBe(sys(dev, 'dma_alignment'));
      expect(i.nsid).toBeLessThanOrEqual(0);
    } finally {
      closeFd(fd);
    }
  });
});

it.skipIf(!loop.ok)('a loop device with 4 KiB sectors reports a 4096-byte logical block size', async () => {
  await withLoopDevice(1 << 20, (dev) => {
    const fd = openDevice(dev, { direct: true });
    try {
      expect(deviceInfo(fd).logicalBlockSize).toBe(4096);
    } finally {
      closeFd(fd);
    }
  }, { sectorSize: 4096 });
});

it.skipIf(!loop.ok)('an image file: size from stat, O_DIRECT alignment from statx', () => {
  const img = createImage(1 << 20, { fill: 'zero' });
  const fd = openDevice(img, { direct: true });
  try {
    const i = deviceInfo(fd);
    expect(i.isBlock).toBe(false);
    expect(i.size).toBe(1 << 20);
    expect(i.logicalBlockSize).toBeGreaterThanOrEqual(512);
    expect([0, 3, 511, 4095]).toContain(i.dmaAlignment);
  } finally {
    closeFd(fd);
    removeImage(img);
  }
});

it.skipIf(!loop.ok)('closing an fd twice is EBADF', () => {
  const img = createImage(4096, { fill: 'zero' });
  const fd = openDevice(img, { direct: false });
  closeFd(fd);
  expect(() => closeFd(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  removeImage(img);
});
