import { TokenizerError } from './errors.js';
import { encodeUtf8At, utf8Decoder, utf8Encoder } from './utf8.js';

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
 * Token strings stored as UTF-8 bytes in one arena, in id order, with an open-addressing hash index.
 * Lookups by byte span need no JavaScript string, so a 262k-token vocabulary and its merges load
 * in a blink. Strings are decoded from the arena when asked for: one JavaScript string per token of
 * a 262k vocabulary, kept for the tokenizer's life, was ~13 MB of heap beside the arena's 2.3 MB.
 * Per id the index keeps only where its bytes start (a length and a hash per id were 2 MB more).
 */
export class Vocabulary {
  readonly arena: Uint8Array;
  /** Token id's bytes are arena[offsets[id], offsets[id + 1]). */
  private readonly offsets: Int32Array;
  /** Ids without a token (holes in a file's numbering), if any. */
  private readonly missing: ReadonlySet<number> | undefined;
  private readonly slots: Int32Array;
  private readonly mask: number;
  /** Token strings that UTF-8 cannot hold as they are (unpaired surrogates), by id. */
  private readonly unencodable: ReadonlyMap<number, string> | undefined;
  private scratch = new Uint8Array(256);
  /** Hash of the bytes `findBytes` looked up last, for a following `findConcatenation`. */
  lastHash = 0;
  /** Ids whose bytes an earlier id already has (lookups by bytes never return them). */
  readonly shadowedIds: number[] = [];

  /**
   * `offsets` has one entry per id plus one (the arena's end); ids in `missing` have no token
   * (and no bytes); `unencodable` keeps the strings whose bytes are not them.
   */
  constructor(arena: Uint8Array, offsets: Int32Array, missing?: ReadonlySet<number>, unencodable?: ReadonlyMap<number, string>) {
    this.arena = arena;
    this.offsets = offsets;
    this.missing = missing !== undefined && missing.size > 0 ? missing : undefined;
    this.unencodable = unencodable !== undefined && unencodable.size > 0 ? unencodable : undefined;
    const size = offsets.length - 1;
    let capacity = 16;
    while (capacity < size * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity).fill(-1);
    for (let id = 0; id < size; id++) {
      if (this.missing?.has(id)) continue;
      const start = offsets[id]!;
      const length = offsets[id + 1]! - start;
      const h = hashBytes(arena, start, start + length);
      if (this.findInArena(h, start, length) !== -1) {
        this.shadowedIds.push(id); // duplicate token: first id wins
        continue;
      }
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
    const offsets = new Int32Array(tokens.length + 1);
    let missing: Set<number> | undefined;
    let unencodable: Map<number, string> | undefined;
    let at = 0;
    for (let id = 0; id < tokens.length; id++) {
      offsets[id] = at;
      const token = tokens[id];
      if (token === undefined) {
        (missing ??= new Set()).add(id);
        continue;
      }
      if (!token.isWellFormed()) (unencodable ??= new Map()).set(id, token);
      const need = at + token.length * 3;
      if (need > arena.length) {
        const grown = new Uint8Array(Math.max(need, arena.length * 2));
        grown.set(arena.subarray(0, at));
        releaseBuffer(arena);
        arena = grown;
      }
      at = encodeUtf8At(token, arena, at);
    }
    offsets[tokens.length] = at;
    const used = arena.slice(0, at);
    releaseBuffer(arena);
    return new Vocabulary(used, offsets, missing, unencodable);
  }

  get size(): number {
    return this.offsets.length - 1;
  }

  /** Whether some token string is not the UTF-8 its bytes spell (it holds unpaired surrogates). */
  get hasUnencodable(): boolean {
    return this.unencodable !== undefined;
  }

  has(id: number): boolean {
    return id >= 0 && id < this.offsets.length - 1 && Number.isInteger(id) && !this.missing?.has(id);
  }

  /** Where the bytes of a token start in the arena (an id with a token). */
  start(id: number): number {
    return this.offsets[id]!;
  }

  /** Byte length of an id's token, -1 for an id without one. */
  byteLength(id: number): number {
    if (!this.has(id)) return -1;
    return this.offsets[id + 1]! - this.offsets[id]!;
  }

  /** Token string of an id ('' where the vocabulary has none). */
  token(id: number): string {
    if (!this.has(id)) return '';
    const own = this.unencodable?.get(id);
    if (own !== undefined) return own;
    return utf8Decoder.decode(this.arena.subarray(this.offsets[id]!, this.offsets[id + 1]!));
  }

  /** Id of the token whose bytes are `source[start, end)`, or -1. */
  findBytes(source: Uint8Array, start: number, end: number): number {
    const h = hashBytes(source, start, end);
    this.lastHash = h;
    const length = end - start;
    const { arena, offsets, slots, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = slots[slot]!;
      if (id === -1) return -1;
      const at = offsets[id]!;
      if (offsets[id + 1]! - at !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++) {
        if (arena[at + k] !== source[start + k]) {
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
    return this.probeConcatenation(h, source, aStart, aEnd, bStart, bEnd);
  }

  /**
   * Id of the token whose bytes are token a's followed by token b's, or -1 (also when a or b is
   * no id with a non-empty token). The merge loop's hot path: one function, typed-array reads only.
   */
  findPair(a: number, b: number): number {
    const { arena, offsets } = this;
    const size = offsets.length - 1;
    if (!(a >= 0 && a < size && b >= 0 && b < size)) return -1;
    if (this.missing !== undefined && (this.missing.has(a) || this.missing.has(b))) return -1;
    const aStart = offsets[a]!;
    const aEnd = offsets[a + 1]!;
    const bStart = offsets[b]!;
    const bEnd = offsets[b + 1]!;
    if (aEnd === aStart || bEnd === bStart) return -1;
    let h = 0;
    for (let i = aStart; i < aEnd; i++) h = (Math.imul(h, prime) + arena[i]!) | 0;
    for (let i = bStart; i < bEnd; i++) h = (Math.imul(h, prime) + arena[i]!) | 0;
    return this.probeConcatenation(h, arena, aStart, aEnd, bStart, bEnd);
  }

  private probeConcatenation(h: number, source: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
    const aLength = aEnd - aStart;
    const length = aLength + bEnd - bStart;
    const { arena, offsets, slots, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = slots[slot]!;
      if (id === -1) return -1;
      const at = offsets[id]!;
      if (offsets[id + 1]! - at !== length) continue;
      let same = true;
      for (let k = 0; k < aLength; k++)
        if (arena[at + k] !== source[aStart + k]) {
          same = false;
          break;
        }
      if (same)
        for (let k = aLength; k < length; k++)
          if (arena[at + k] !== source[bStart + k - aLength]) {
            same = false;
            break;
          }
      if (same) return id;
    }
  }

  private findInArena(h: number, start: number, length: number): number {
    const { arena, offsets, slots, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = slots[slot]!;
      if (id === -1) return -1;
      const at = offsets[id]!;
      if (offsets[id + 1]! - at !== length) continue;
      let same = true;
      for (let k = 0; k < length; k++)
        if (arena[at + k] !== arena[start + k]) {
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
