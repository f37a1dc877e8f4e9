// Shared by this package's tests: a ring + arena + open device bundle that always cleans up.
import { arenaCreate, arenaFree, openDevice, closeFd } from '@biopath/native';
import type { ArenaRegion } from '@biopath/native';
import { IoUring } from '@biopath/uring';
import type { RingSetup } from '@biopath/uring';

export interface Rig {
  ring: IoUring;
  arena: ArenaRegion;
  bytes: Uint8Array;
  fd: number;
}

/** Open `path` O_DIRECT read-write, make a ring and an arena, run fn, tear everything down. */
export async function withRig<T>(path: string, arenaBytes: number, setup: RingSetup, fn: (r: Rig) => T | Promise<T>): Promise<T> {
  const fd = openDevice(path, { write: true, direct: true });
  let ring: IoUring | undefined;
  let arena: ArenaRegion | undefined;
  try {
    ring = new IoUring(setup);
    arena = arenaCreate(arenaBytes);
    return await fn({ ring, arena, bytes: new Uint8Array(arena.buffer), fd });
  } finally {
    ring?.close();
    if (arena) arenaFree(arena.id);
    closeFd(fd);
  }
}

/** Plain buffered read of the backing file: an independent witness (from @biopath/testing). */
export { readImage as readWitness } from '@biopath/testing';

/** Drain `want` completions (blocking), returning user_data -> res. */
export function collect(ring: IoUring, want: number): Map<number, number> {
  const out = new Map<number, number>();
  while (out.size < want) {
    if (ring.cqReady() === 0) ring.submitAndWait(1);
    const n = ring.cqReady();
    for (let i = 0; i < n; i++) out.set(ring.cqeUserData(i), ring.cqeRes(i));
    ring.cqAdvance(n);
  }
  return out;
}
