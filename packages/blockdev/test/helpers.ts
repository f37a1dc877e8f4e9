// Targets for blockdev tests: an image file (O_DIRECT on a real filesystem) or a loop device over
// one, each removed afterwards; and a deterministic byte pattern.
import { createImage, removeImage, withLoopDevice, probe } from '@biopath/testing';

export type TargetKind = 'image' | 'loop';
export const TARGETS: readonly TargetKind[] = ['image', 'loop'];

const loop = probe.loop();
if (!loop.ok) console.log(`skipping loop-device cases: ${loop.reason}`);

/** Whether this machine can provide `kind`. */
export function canUse(kind: TargetKind): boolean {
  return kind === 'image' || loop.ok;
}

/** Run `fn` on a fresh target of `size` bytes (random-filled); the image file is the witness. */
export async function withTarget<T>(kind: TargetKind, size: number, fn: (path: string, image: string) => Promise<T>): Promise<T> {
  if (kind === 'loop') return withLoopDevice(size, (dev, image) => fn(dev, image));
  const image = createImage(size);
  try {
    return await fn(image, image);
  } finally {
    removeImage(image);
  }
}

/** `len` bytes of a pattern that differs per `seed` and per position. */
export function pattern(seed: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (seed * 131 + i * 7 + (i >> 9)) & 255;
  return b;
}

export const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
