/**
 * The merge loop of byte-pair encoding, as Hugging Face tokenizers runs it: a priority queue of
 * adjacent pairs ordered by (rank, position), stale entries skipped on pop. Works in place on
 * reusable typed arrays so that encoding a word allocates nothing but its result.
 */
/** Merges of adjacent symbol pairs: an entry for a pair, read for its rank and merged id. */
export interface MergeTable {
  /** Entry of the pair (a, b), or -1 when the two do not merge. */
  find(a: number, b: number): number;
  rankAt(entry: number): number;
  mergedAt(entry: number): number;
}

const positionScale = 4294967296; // heap key = rank * 2^32 + position: one double per entry

let ids = new Int32Array(256);
let next = new Int32Array(256);
let prev = new Int32Array(256);
let heap = new Float64Array(512);

function ensureCapacity(length: number): void {
  if (ids.length >= length) return;
  let capacity = ids.length;
  while (capacity < length) capacity *= 2;
  ids = new Int32Array(capacity);
  next = new Int32Array(capacity);
  prev = new Int32Array(capacity);
  heap = new Float64Array(capacity * 2);
}

/** Scratch buffer the caller fills with the word's initial symbol ids before `mergeSymbols`. */
export function symbolBuffer(length: number): Int32Array {
  ensureCapacity(length);
  return ids;
}

let heapSize = 0;

function heapPush(key: number): void {
  if (heapSize === heap.length) {
    const grown = new Float64Array(heap.length * 2);
    grown.set(heap);
    heap = grown;
  }
  let i = heapSize++;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const parentKey = heap[parent]!;
    if (parentKey <= key) break;
    heap[i] = parentKey;
    i = parent;
  }
  heap[i] = key;
}

function heapPop(): number {
  const top = heap[0]!;
  const last = heap[--heapSize]!;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heapSize) break;
    const right = left + 1;
    const child = right < heapSize && heap[right]! < heap[left]! ? right : left;
    if (heap[child]! >= last) break;
    heap[i] = heap[child]!;
    i = child;
  }
  heap[i] = last;
  return top;
}

/** Merges the first `length` symbols of the scratch buffer and appends the result to `out`. */
export function mergeSymbols(merges: MergeTable, length: number, out: number[]): void {
  if (length === 1) {
    out.push(ids[0]!);
    return;
  }
  heapSize = 0;
  for (let i = 0; i < length; i++) {
    next[i] = i + 1 < length ? i + 1 : -1;
    prev[i] = i - 1;
  }
  for (let i = 0; i + 1 < length; i++) {
    const slot = merges.find(ids[i]!, ids[i + 1]!);
    if (slot !== -1) heapPush(merges.rankAt(slot) * positionScale + i);
  }
  while (heapSize > 0) {
    const key = heapPop();
    const rank = Math.floor(key / positionScale);
    const position = key - rank * positionScale;
    if (ids[position]! < 0) continue; // symbol already merged into its left neighbour
    const right = next[position]!;
    if (right === -1) continue;
    const slot = merges.find(ids[position]!, ids[right]!);
    if (slot === -1 || merges.rankAt(slot) !== rank) continue; // stale entry
    ids[position] = merges.mergedAt(slot);
    ids[right] = -1;
    const after = next[right]!;
    next[position] = after;
    if (after !== -1) prev[after] = position;
    const before = prev[position]!;
    if (before !== -1) {
      const s = merges.find(ids[before]!, ids[position]!);
      if (s !== -1) heapPush(merges.rankAt(s) * positionScale + before);
    }
    if (after !== -1) {
      const s = merges.find(ids[position]!, ids[after]!);
      if (s !== -1) heapPush(merges.rankAt(s) * positionScale + position);
    }
  }
  for (let i = 0; i !== -1; i = next[i]!) out.push(ids[i]!);
}
