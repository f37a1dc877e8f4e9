/**
 * A real xarray: a radix tree of 64-way nodes indexed by integers, with multi-index entries
 * (an entry of order N covers 2^N aligned indices through sibling slots) and three marks.
 * ITER_XARRAY walks the folios (head pfns) a page cache keeps in one.
 *
 * Indices are non-negative integers below 2^53. Not modelled: RCU, locking, value entries,
 * `xas_split()`: storing inside a larger multi-index entry first erases that whole entry.
 *
 * @kernel lib/xarray.c
 */
import { BiopathError } from './internal/errors.ts';
import {
  SIBLINGS, XA_CHUNK_SHIFT, XA_CHUNK_SIZE, XA_MAX_MARKS, XaNode, XaSibling, canonicalOffset, clearSlot,
  dissolveEntry, type XaSlot, markAny, markClearUp, markSet, markSetUp, markTest, maxIndexForShift, pow2, slotStart, xaOffset,
} from './internal/xa-node.ts';

export const XA_MARK_0 = 0;
export const XA_MARK_1 = 1;
export const XA_MARK_2 = 2;

/** @kernel include/linux/xarray.h struct xarray */
export interface XArray<T> {
  xa_head: XaNode<T> | null;
}

/** A cursor: the index it is at and, after a load, the node and slot holding it. @kernel struct xa_state */
export interface XaState<T> {
  xa: XArray<T>;
  xa_index: number;
  xa_node: XaNode<T> | null;
  xa_offset: number;
}

/** @kernel include/linux/xarray.h xa_init() */
export function createXArray<T>(): XArray<T> {
  return { xa_head: null };
}

/** @kernel include/linux/xarray.h xa_empty() */
export function xaEmpty(xa: XArray<unknown>): boolean {
  return xa.xa_head === null;
}

/** Node, canonical slot and slot of the index at the last {@link lookup}; node null if absent. */
const found = { node: null as XaNode<unknown> | null, offset: 0, slot: 0 };

/** Walk to the entry covering `index`; leaves its node/slot in `found` and returns it (or null). */
function lookup<T>(xa: XArray<T>, index: number): T | null {
  let node: XaNode<T> | null = xa.xa_head;
  found.node = null;
  if (node === null || !(index >= 0) || index > maxIndexForShift(node.shift)) return null;
  for (;;) {
    const slot = xaOffset(index, node.shift);
    const offset = canonicalOffset(node, slot);
    const s: XaSlot<T> = node.slots[offset]!;
    if (s instanceof XaNode) {
      node = s as XaNode<T>;
      continue;
    }
    if (s === null) return null;
    found.node = node;
    found.offset = offset;
    found.slot = slot;
    return s as T;
  }
}

/** The entry at `index`, or null. @kernel lib/xarray.c xa_load() */
export function xaLoad<T>(xa: XArray<T>, index: number): T | null {
  return lookup(xa, index);
}

function checkIndex(fn: string, index: number, order: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new BiopathError('EINVAL', `${fn}(index): ${index} is not an index`);
  if (!Number.isInteger(order) || order < 0 || order > 52) throw new BiopathError('EINVAL', `${fn}(order): ${order}`);
}

/** Grow the tree until its root covers `last` and sits at or above `leafShift`. @kernel xas_expand() */
function expand<T>(xa: XArray<T>, last: number, leafShift: number): XaNode<T> {
  let head: XaNode<T> | null = xa.xa_head;
  if (head === null) {
    let shift = leafShift;
    while (maxIndexForShift(shift) < last) shift += XA_CHUNK_SHIFT;
    return (xa.xa_head = new XaNode<T>(shift, 0, null));
  }
  while (maxIndexForShift(head.shift) < last || head.shift < leafShift) {
    const root: XaNode<T> = new XaNode<T>(head.shift + XA_CHUNK_SHIFT, 0, null);
    root.slots[0] = head;
    root.count = 1;
    for (let m = 0; m < XA_MAX_MARKS; m++) if (markAny(head, m)) markSet(root, m, 0);
    head.parent = root;
    head.offset = 0;
    xa.xa_head = root;
    head = root;
  }
  return head;
}

/** Descend from the root to the node of `leafShift` covering `index`, creating nodes. @kernel xas_create() */
function create<T>(xa: XArray<T>, index: number, leafShift: number): XaNode<T> {
  let node: XaNode<T> = xa.xa_head!;
  while (node.shift > leafShift) {
    const offset = xaOffset(index, node.shift);
    let s: XaSlot<T> = node.slots[offset]!;
    if (s !== null && !(s instanceof XaNode)) {
      dissolveEntry(node, offset);
      s = null;
    }
    if (s === null) {
      s = new XaNode<T>(node.shift - XA_CHUNK_SHIFT, offset, node);
      node.slots[offset] = s;
      node.count++;
    }
    node = s as XaNode<T>;
  }
  return node;
}

/** Slots the entry whose first slot is `first` occupies. */
function entrySpan(node: XaNode<unknown>, first: number): number {
  let k = first + 1;
  while (k < XA_CHUNK_SIZE) {
    const s = node.slots[k];
    if (!(s instanceof XaSibling) || s.offset !== first) break;
    k++;
  }
  return k - first;
}

/**
 * Store `entry` at `index` (rounded down to a multiple of 2^order) covering 2^order indices; null erases.
 * Replacing an entry of the same range keeps its marks. Returns the entry that was at `index`.
 * @kernel lib/xarray.c xa_store() (multi-index: xas_set_order() + xas_store())
 */
export function xaStore<T>(xa: XArray<T>, index: number, entry: T | null, order = 0): T | null {
  checkIndex('xaStore', index, order);
  const size = pow2(order);
  index = Math.floor(index / size) * size;
  if (entry === null) return eraseRange(xa, index, size);
  const old = lookup(xa, index);
  const leafShift = Math.floor(order / XA_CHUNK_SHIFT) * XA_CHUNK_SHIFT;
  expand(xa, index + size - 1, leafShift);
  const node = create(xa, index, leafShift);
  const first = xaOffset(index, node.shift);
  const n = pow2(order - node.shift);
  const s = node.slots[first];
  if (s !== null && !(s instanceof XaNode) && !(s instanceof XaSibling) && entrySpan(node, first) === n) {
    node.slots[first] = entry;
    return old;
  }
  for (let k = first; k < first + n; k++) if (node.slots[k] !== null) dissolveEntry(node, k);
  node.slots[first] = entry;
  for (let k = first + 1; k < first + n; k++) node.slots[k] = SIBLINGS[first]!;
  node.count += n;
  return old;
}

/** Remove the entry covering `index` (the whole multi-index entry). @kernel lib/xarray.c xa_erase() */
export function xaErase<T>(xa: XArray<T>, index: number): T | null {
  const old = lookup(xa, index);
  if (old === null) return null;
  const node = found.node as XaNode<T>;
  dissolveEntry(node, found.offset);
  deleteEmpty(xa, node);
  return old;
}

function eraseRange<T>(xa: XArray<T>, index: number, size: number): T | null {
  const old = lookup(xa, index);
  for (let k = xaFind(xa, index, index + size - 1); k >= 0; k = xaFind(xa, index, index + size - 1)) xaErase(xa, k);
  return old;
}

/** Free nodes left empty from `node` upwards, then shrink a root with a single child. @kernel xas_delete_node() */
function deleteEmpty<T>(xa: XArray<T>, node: XaNode<T>): void {
  let n: XaNode<T> | null = node;
  while (n !== null && n.count === 0) {
    const parent: XaNode<T> | null = n.parent;
    if (parent === null) xa.xa_head = null;
    else clearSlot(parent, n.offset);
    n = parent;
  }
  let head = xa.xa_head;
  while (head !== null && head.count === 1 && head.slots[0] instanceof XaNode) {
    const child = head.slots[0] as XaNode<T>;
    child.parent = null;
    xa.xa_head = head = child;
  }
}

function findIn<T>(node: XaNode<T>, index: number, max: number, mark: number): number {
  for (let off = xaOffset(index, node.shift); off < XA_CHUNK_SIZE; off++) {
    const start = slotStart(node, index, off);
    if (start > max) return -1;
    const s = node.slots[off];
    if (s === null || (mark >= 0 && !markTest(node, mark, canonicalOffset(node, off)))) continue;
    const from = Math.max(index, start);
    if (!(s instanceof XaNode)) return from;
    const r = findIn(s, from, max, mark);
    if (r >= 0) return r;
  }
  return -1;
}

/** First index in [start, max] holding an entry, or -1. @kernel lib/xarray.c xa_find() */
export function xaFind(xa: XArray<unknown>, start: number, max = Number.MAX_SAFE_INTEGER): number {
  const head = xa.xa_head;
  if (head === null || start > max || start > maxIndexForShift(head.shift)) return -1;
  return findIn(head, Math.max(0, start), max, -1);
}

/** First index in [start, max] whose entry carries `mark`, or -1. @kernel xa_find(..., mark) */
export function xaFindMarked(xa: XArray<unknown>, start: number, max: number, mark: number): number {
  const head = xa.xa_head;
  if (head === null || start > max || start > maxIndexForShift(head.shift)) return -1;
  return findIn(head, Math.max(0, start), max, mark);
}

/**
 * Call `fn(index, entry)` once per entry in [start, max] (a multi-index entry once, at its first
 * index in range), in index order. @kernel include/linux/xarray.h xa_for_each_range()
 */
export function xaForEach<T>(xa: XArray<T>, start: number, max: number, fn: (index: number, entry: T) => void): void {
  for (let k = xaFind(xa, start, max); k >= 0; ) {
    const entry = lookup(xa, k)!;
    const node = found.node!;
    const end = slotStart(node, k, found.offset) + entrySpan(node, found.offset) * pow2(node.shift);
    fn(k, entry);
    k = end > max ? -1 : xaFind(xa, end, max);
  }
}

function checkMark(fn: string, mark: number): void {
  if (!(mark >= 0 && mark < XA_MAX_MARKS)) throw new BiopathError('EINVAL', `${fn}(mark): ${mark} is not an XA_MARK`);
}

/** Set `mark` on the entry at `index`; no-op if there is none. @kernel lib/xarray.c xa_set_mark() */
export function xaSetMark(xa: XArray<unknown>, index: number, mark: number): void {
  checkMark('xaSetMark', mark);
  if (lookup(xa, index) !== null) markSetUp(found.node!, mark, found.offset);
}

/** Clear `mark` on the entry at `index`. @kernel lib/xarray.c xa_clear_mark() */
export function xaClearMark(xa: XArray<unknown>, index: number, mark: number): void {
  checkMark('xaClearMark', mark);
  if (lookup(xa, index) !== null) markClearUp(found.node!, mark, found.offset);
}

/** Whether the entry at `index` carries `mark`. @kernel lib/xarray.c xa_get_mark() */
export function xaGetMark(xa: XArray<unknown>, index: number, mark: number): boolean {
  checkMark('xaGetMark', mark);
  return lookup(xa, index) !== null && markTest(found.node!, mark, found.offset);
}

/** A cursor at `index`. @kernel include/linux/xarray.h XA_STATE() */
export function xasInit<T>(xas: XaState<T>, xa: XArray<T>, index: number): XaState<T> {
  xas.xa = xa;
  xas.xa_index = index;
  xas.xa_node = null;
  xas.xa_offset = 0;
  return xas;
}

/** Load the entry at the cursor, remembering where it lives. @kernel lib/xarray.c xas_load() */
export function xasLoad<T>(xas: XaState<T>): T | null {
  const entry = lookup(xas.xa, xas.xa_index);
  xas.xa_node = found.node as XaNode<T> | null;
  xas.xa_offset = found.slot;
  return entry;
}

/** Move to the next index and load it; stays inside the current leaf when it can. @kernel xas_next() */
export function xasNext<T>(xas: XaState<T>): T | null {
  xas.xa_index++;
  const node = xas.xa_node;
  if (node !== null && node.shift === 0 && xas.xa_offset < XA_CHUNK_SIZE - 1) {
    const s = node.slots[canonicalOffset(node, ++xas.xa_offset)];
    if (s === null) xas.xa_node = null;
    return s as T | null;
  }
  return xasLoad(xas);
}
