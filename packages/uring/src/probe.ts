/**
 * What the running kernel's io_uring supports.
 */
import { IoUring } from './ring.ts';
import { OPCODE_NAMES } from './abi.ts';

export interface UringProbe {
  /** Opcode numbers the kernel supports. */
  ops: ReadonlySet<number>;
  /** Whether an opcode (by name from {@link OPCODE_NAMES} or number) is supported. */
  has(op: string | number): boolean;
}

/** Probe opcodes on a throwaway ring. Throws (ENOSYS/EPERM) when io_uring is unavailable. */
export function probeRing(): UringProbe {
  const r = new IoUring({ entries: 2 });
  try {
    const ops = new Set(r.native.probe());
    return { ops, has: (op) => ops.has(typeof op === 'number' ? op : (OPCODE_NAMES[op] ?? -1)) };
  } finally {
    r.close();
  }
}
