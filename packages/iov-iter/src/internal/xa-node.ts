/**
 * xarray internals: 64-way radix-tree nodes, sibling entries for multi-index entries, mark bitmaps.
 *
 * @kernel lib/xarray.c struct xa_node
 */

export const XA_CHUNK_SHIFT = 6;
export const XA_CHUNK_SIZE = 64;
export const XA_MAX_MARKS = 3;

/** A slot of a multi-index entry other than its first: names the slot holding the entry. @kernel xa_mk_sibling() */
export class XaSibling {
  constructor(readonly offset: number) {}
}

/** One sibling marker per slot offset, shared by every node. */
export const SIBLINGS: readonly XaSibling[] = Array.from({ length: XA_CHUNK_SIZE }, (_, k) => new XaSibling(k));

export type XaSlot<T> = T | XaNode<T> | XaSibling | null;

/** @kernel include/linux/xarray.h struct xa_node */
export class XaNode<T> {
  /** Index bits below this node: an entry in slot k covers 2^shift indices. */
  shift: number;
  /** Slot of this node in its parent. */
  offset: number;
  /** Non-null slots (entries, siblings and child nodes). */
  count = 0;
  parent: XaNode<T> | null;
  slots: XaSlot<T>[] = new Array<XaSlot<T>>(XA_CHUNK_SIZE).fill(null);
  /** Per mark, a 64-bit bitmap of slots as two 32-bit words. */
  marks = new Uint32Array(XA_MAX_MARKS * 2);

  constructor(shift: number, offset: number, parent: XaNode<T> | null) {
    this.shift = shift;
    this.offset = offset;
    this.parent = parent;
  }
}

const POW2: number[] = Array.from({ length: 64 }, (_, k) => 2 ** k);

/** 2^n for 0 ≤ n < 64, exact as a double. */
export function pow2(n: number): number {
  return POW2[n]!;
}

/** Slot of `index` in a node of the given shift (indices may exceed 32 bits). @kernel get_offset() */
export function xaOffset(index: number, shift: number): number {
  return Math.floor(index / POW2[shift]!) % XA_CHUNK_SIZE;
}

/** Largest index a tree whose root has this shift can hold. */
export function maxIndexForShift(shift: number): number {
  return POW2[shift + XA_CHUNK_SHIFT]! - 1;
}

/** First index covered by slot `offset` of `node`, given any index `index` inside the node. */
export function slotStart(node: XaNode<unknown>, index: number, offset: number): number {
  const span = POW2[node.shift + XA_CHUNK_SHIFT]!;
  return Math.floor(index / span) * span + offset * POW2[node.shift]!;
}

/** The offset of the slot that holds the entry for `offset` (follows a sibling marker). */
export function canonicalOffset<T>(node: XaNode<T>, offset: number): number {
  const s = node.slots[offset];
  return s instanceof XaSibling ? s.offset : offset;
}

export function markTest(node: XaNode<unknown>, mark: number, offset: number): boolean {
  return (node.marks[mark * 2 + (offset >>> 5)]! & (1 << (offset & 31))) !== 0;
}

export function markSet(node: XaNode<unknown>, mark: number, offset: number): void {
  node.marks[mark * 2 + (offset >>> 5)]! |= 1 << (offset & 31);
}

export function markClear(node: XaNode<unknown>, mark: number, offset: number): void {
  node.marks[mark * 2 + (offset >>> 5)]! &= ~(1 << (offset & 31));
}

export function markAny(node: XaNode<unknown>, mark: number): boolean {
  return (node.marks[mark * 2]! | node.marks[mark * 2 + 1]!) !== 0;
}

/** Clear `mark` at `offset` of `node` and, while nodes become unmarked, in their parents. */
export function markClearUp(node: XaNode<unknown>, mark: number, offset: number): void {
  let n: XaNode<unknown> | null = node;
  let off = offset;
  while (n) {
    markClear(n, mark, off);
    if (markAny(n, mark)) return;
    off = n.offset;
    n = n.parent;
  }
}

/** Set `mark` at `offset` of `node` and on the path up to the root. */
export function markSetUp(node: XaNode<unknown>, mark: number, offset: number): void {
  let n: XaNode<unknown> | null = node;
  let off = offset;
  while (n) {
    markSet(n, mark, off);
    off = n.offset;
    n = n.parent;
  }
}

/** Empty slot `offset` of `node`, keeping `count` and the marks in step. */
export function clearSlot<T>(node: XaNode<T>, offset: number): void {
  if (node.slots[offset] === null) return;
  node.slots[offset] = null;
  node.count--;
  for (let m = 0; m < XA_MAX_MARKS; m++) if (markTest(node, m, offset)) markClearUp(node, m, offset);
}

/** Remove the whole multi-index (or single) entry that occupies slot `offset` of `node`. */
export function dissolveEntry<T>(node: XaNode<T>, offset: number): void {
  const first = canonicalOffset(node, offset);
  clearSlot(node, first);
  for (let k = first + 1; k < XA_CHUNK_SIZE; k++) {
    const s = node.slots[k];
    if (!(s instanceof XaSibling) || s.offset !== first) break;
    clearSlot(node, k);
  }
}
