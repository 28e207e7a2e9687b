import { TokenizerError } from './errors.js';
import { encodeUtf8At, utf8Encoder } from './utf8.js';

const prime = 0x01000193;

/** Polynomial hash of bytes; composable: hash(a + b) = hash(a) * prime^len(b) + hash(b) (mod 2^32). */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, prime) + bytes[i]!) | 0;
  return h;
}

const powers: number[] = [1];
export function primePower(length: number): number {
  while (powers.length <= length) powers.push(Math.imul(powers[powers.length - 1]!, prime));
  return powers[length]!;
}

/**
 * Token strings stored as UTF-8 bytes in one arena with an open-addressing hash index. Lookups by
 * byte span need no JavaScript string, so a 262k-token vocabulary and its merges load in a blink.
 */
export class Vocabulary {
  readonly arena: Uint8Array;
  /** Byte start and length of each id's token in the arena; length -1 for ids without a token. */
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
  private readonly hashes: Int32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Token string of each id ('' where the vocabulary has none). */
  readonly tokens: string[];
  private scratch = new Uint8Array(256);
  /** Hash of the bytes `findBytes` looked up last, for a following `findConcatenation`. */
  lastHash = 0;

  constructor(arena: Uint8Array, starts: Int32Array, lengths: Int32Array, tokens: string[]) {
    this.arena = arena;
    this.starts = starts;
    this.lengths = lengths;
    this.tokens = tokens;
    const size = starts.length;
    let capacity = 16;
    while (capacity < size * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity).fill(-1);
    this.hashes = new Int32Array(size);
    for (let id = 0; id < size; id++) {
      if (lengths[id]! < 0) continue;
      const h = hashBytes(arena, starts[id]!, starts[id]! + lengths[id]!);
      this.hashes[id] = h;
      if (this.findInArena(h, starts[id]!, lengths[id]!) !== -1) continue; // duplicate token: first id wins
      let slot = h & this.mask;
      while (this.slots[slot] !== -1) slot = (slot + 1) & this.mask;
      this.slots[slot] = id;
    }
  }

  /** Builds a vocabulary from token strings indexed by id (holes allowed). */
  static fromTokens(tokens: readonly (string | undefined)[]): Vocabulary {
    // One growing arena written in place: a separate Uint8Array per token would be 262k buffers
    // of garbage for a large vocabulary.
    let arena = new Uint8Array(Math.max(1024, tokens.length * 8));
    const starts = new Int32Array(tokens.length);
    const lengths = new Int32Array(tokens.length).fill(-1);
    let at = 0;
    for (let id = 0; id < tokens.length; id++) {
      const token = tokens[id];
      if (token === undefined) continue;
      const need = at + token.length * 3;
      if (need > arena.length) {
        const grown = new Uint8Array(Math.max(need, arena.length * 2));
        grown.set(arena.subarray(0, at));
        releaseBuffer(arena);
        arena = grown;
      }
      const end = encodeUtf8At(token, arena, at);
      starts[id] = at;
      lengths[id] = end - at;
      at = end;
    }
    const used = arena.slice(0, at);
    releaseBuffer(arena);
    return new Vocabulary(
      used,
      starts,
      lengths,
      tokens.map((t) => t ?? ''),
    );
  }

  get size(): number {
    return this.starts.length;
  }

  has(id: number): boolean {
    return id >= 0 && id < this.starts.length && this.lengths[id]! >= 0;
  }

  /** Id of the token whose bytes are `source[start, end)`, or -1. */
  findBytes(source: Uint8Array, start: number, end: number): number {
    const h = hashBytes(source, start, end);
    this.lastHash = h;
    const length = end - start;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = this.slots[slot]!;
      if (id === -1) return -1;
      if (this.hashes[id] !== h || this.lengths[id] !== length) continue;
      const at = this.starts[id]!;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (this.arena[at + k] !== source[start + k]) {
          same = false;
          break;
        }
      }
      if (same) return id;
    }
  }

  /** Id of the token that is the concatenation of two byte spans of `source`, or -1. */
  findConcatenation(source: Uint8Array, aStart: number, aEnd: number, aHash: number, bStart: number, bEnd: number, bHash: number): number {
    const h = (Math.imul(aHash, primePower(bEnd - bStart)) + bHash) | 0;
    const aLength = aEnd - aStart;
    const length = aLength + bEnd - bStart;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = this.slots[slot]!;
      if (id === -1) return -1;
      if (this.hashes[id] !== h || this.lengths[id] !== length) continue;
      const at = this.starts[id]!;
      let same = true;
      for (let k = 0; k < aLength; k++)
        if (this.arena[at + k] !== source[aStart + k]) {
          same = false;
          break;
        }
      if (same)
        for (let k = aLength; k < length; k++)
          if (this.arena[at + k] !== source[bStart + k - aLength]) {
            same = false;
            break;
          }
      if (same) return id;
    }
  }

  private findInArena(h: number, start: number, length: number): number {
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const id = this.slots[slot]!;
      if (id === -1) return -1;
      if (this.hashes[id] !== h || this.lengths[id] !== length) continue;
      const at = this.starts[id]!;
      let same = true;
      for (let k = 0; k < length; k++)
        if (this.arena[at + k] !== this.arena[start + k]) {
          same = false;
          break;
        }
      if (same) return id;
    }
  }

  /** Id of a token string, or undefined. */
  idOf(token: string): number | undefined {
    if (this.scratch.length < token.length * 3) this.scratch = new Uint8Array(token.length * 3);
    const { written } = utf8Encoder.encodeInto(token, this.scratch);
    const id = this.findBytes(this.scratch, 0, written);
    return id === -1 ? undefined : id;
  }
}

/**
 * Ids index arrays sized by the largest one, so a file naming id 2^40 for one token would allocate
 * terabytes. Real vocabularies are dense; this bound leaves room for holes while keeping what is
 * allocated proportional to the file.
 */
export function checkTokenId(id: number, entryCount: number, what: string): void {
  const limit = 2 * entryCount + 65_536;
  if (!Number.isSafeInteger(id) || id < 0 || id >= limit) {
    throw new TokenizerError(`${what} has id ${String(id)}, which is not an integer from 0 to ${limit - 1} (twice the number of entries, plus 65536).`);
  }
}

/**
 * Frees a scratch buffer now by detaching it (ES2024 `ArrayBuffer.prototype.transfer` to length 0)
 * rather than at a later GC: building a large vocabulary's tables drops tens of MB of them, which
 * freed late stay resident in the allocator. Only for buffers nothing reads again.
 */
export function releaseBuffer(view: ArrayBufferView): void {
  const buffer = view.buffer as ArrayBuffer & { transfer?: (length: number) => ArrayBuffer; detached?: boolean };
  if (buffer.detached === true || buffer.byteLength === 0 || typeof buffer.transfer !== 'function') return;
  buffer.transfer(0);
}
