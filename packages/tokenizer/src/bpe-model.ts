import { byteToChar } from './byte-level.js';
import { TokenizerError } from './errors.js';
import { type MergeTable, mergeSymbols, symbolBuffer } from './merge-heap.js';
import { PairTable } from './pair-table.js';
import { ScoreMerges } from './score-merges.js';
import type { Vocabulary } from './vocabulary.js';

export interface BpeOptions {
  vocabulary: Vocabulary;
  /** Merges in rank order as id triples: left, right, merged. */
  mergeIds?: Int32Array;
  /** Rank of each merge; default: its position. Equal ranks merge leftmost first. */
  ranks?: ArrayLike<number>;
  /**
   * SentencePiece merges by score, instead of `mergeIds`: the rank of each token as the result of
   * merging two adjacent symbols whose bytes spell it, -1 for a token never merged into.
   */
  tokenRanks?: Int32Array;
  unkToken?: string | null;
  fuseUnk?: boolean;
  byteFallback?: boolean;
  ignoreMerges?: boolean;
  /** Words arrive as raw text and are seen by the model as GPT-2 byte characters. */
  byteLevel: boolean;
}

const metaspace = '\u2581';
const maxCachedWordLength = 256;
const maxCacheEntries = 1 << 17;

/**
 * Byte-pair encoding over ids: initial symbols are the word's characters (or, byte-level, its
 * UTF-8 bytes), merged by rank. Results are cached per word.
 */
export class BpeModel {
  readonly vocabulary: Vocabulary;
  private readonly merges: MergeTable;
  private readonly unkId: number;
  private readonly fuseUnk: boolean;
  private readonly ignoreMerges: boolean;
  private readonly byteLevel: boolean;
  /** Id of `<0xXX>` for each byte, or -1; all -1 without byte fallback. */
  private readonly fallbackByteIds = new Int32Array(256).fill(-1);
  private readonly hasByteFallback: boolean;
  /** Byte-level: id of the GPT-2 character of each byte. */
  private readonly byteIds = new Int32Array(256).fill(-1);
  /**
   * Id of each single-code-point token, for the character path, only where some token string has
   * unpaired surrogates; otherwise the vocabulary's index answers (a 19k-entry Map for Gemma 3
   * was ~1 MB of heap).
   */
  private readonly charIds: Map<number, number> | undefined;
  private readonly charBytes = new Uint8Array(4);
  /** Characters that precede `▁` inside some token: a word may not be cut before `▁` after them. */
  private readonly joinsMetaspace = new Set<number>();
  private cache = new Map<string, number[]>();

  constructor(options: BpeOptions) {
    this.vocabulary = options.vocabulary;
    const vocabulary = options.vocabulary;
    this.byteLevel = options.byteLevel;
    this.ignoreMerges = options.ignoreMerges === true;
    this.fuseUnk = options.fuseUnk === true;
    const unkId = options.unkToken != null ? vocabulary.idOf(options.unkToken) : undefined;
    this.unkId = unkId ?? -1;
    if (options.byteFallback) {
      for (let byte = 0; byte < 256; byte++) {
        const id = vocabulary.idOf(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`);
        if (id !== undefined) this.fallbackByteIds[byte] = id;
      }
    }
    this.hasByteFallback = options.byteFallback === true;
    const arena = vocabulary.arena;
    if (vocabulary.hasUnencodable) {
      const charIds = new Map<number, number>();
      // Strings only for the tokens that can be one code point (at most 4 UTF-8 bytes).
      for (let id = vocabulary.size - 1; id >= 0; id--) {
        const length = vocabulary.byteLength(id);
        if (length < 1 || length > 4) continue;
        const token = vocabulary.token(id);
        if (token.length > 2) continue;
        const first = token.codePointAt(0)!;
        if (token.length === (first > 0xffff ? 2 : 1)) charIds.set(first, id); // lowest id wins
      }
      this.charIds = charIds;
    }
    if (this.byteLevel) {
      for (let byte = 0; byte < 256; byte++) {
        const id = vocabulary.idOf(byteToChar[byte]!);
        if (id === undefined) throw new TokenizerError(`Byte-level vocabulary lacks the token for byte ${byte}; the tokenizer file is inconsistent.`);
        this.byteIds[byte] = id;
      }
    } else {
      for (let id = 0; id < vocabulary.size; id++) {
        // `▁` is E2 96 81 in UTF-8: decode only the tokens that hold one after their first byte.
        const start = vocabulary.start(id);
        const end = start + vocabulary.byteLength(id);
        let inner = false;
        for (let i = start + 1; i + 2 < end && !inner; i++) inner = arena[i] === 0xe2 && arena[i + 1] === 0x96 && arena[i + 2] === 0x81;
        if (!inner) continue;
        const token = vocabulary.token(id);
        for (let at = token.indexOf(metaspace, 1); at !== -1; at = token.indexOf(metaspace, at + 1)) {
          const before = token.charCodeAt(at - 1);
          if (before !== 0x2581) this.joinsMetaspace.add(before);
        }
      }
    }
    if (options.tokenRanks) {
      this.merges = new ScoreMerges(vocabulary, options.tokenRanks);
    } else {
      const mergeIds = options.mergeIds ?? new Int32Array(0);
      const count = mergeIds.length / 3;
      const table = new PairTable(count);
      for (let rank = 0; rank < count; rank++) {
        table.set(mergeIds[3 * rank]!, mergeIds[3 * rank + 1]!, options.ranks ? options.ranks[rank]! : rank, mergeIds[3 * rank + 2]!);
      }
      this.merges = table;
    }
  }

  /** Appends the ids of one pre-tokenized word to `out`. */
  encodeWord(word: string, out: number[]): void {
    if (!this.byteLevel && word.length > 64 && word.includes(metaspace)) {
      this.encodeInChunks(word, out);
      return;
    }
    this.encodeCached(word, out);
  }

  private encodeCached(word: string, out: number[]): void {
    const cached = this.cache.get(word);
    if (cached !== undefined) {
      for (let i = 0; i < cached.length; i++) out.push(cached[i]!);
      return;
    }
    if (word.length > maxCachedWordLength) {
      this.encodeUncached(word, out);
      return;
    }
    const result: number[] = [];
    this.encodeUncached(word, result);
    if (this.cache.size >= maxCacheEntries) this.cache = new Map();
    this.cache.set(word, result);
    for (let i = 0; i < result.length; i++) out.push(result[i]!);
  }

  /**
   * Long SentencePiece-style words (whole lines: spaces became `▁`) are cut before each `▁` run
   * where no token spans the cut, so the pieces encode (and cache) independently with the same result.
   */
  private encodeInChunks(word: string, out: number[]): void {
    let start = 0;
    for (let i = 1; i < word.length; i++) {
      if (word.charCodeAt(i) !== 0x2581) continue;
      const before = word.charCodeAt(i - 1);
      if (before === 0x2581 || this.joinsMetaspace.has(before)) continue;
      this.encodeCached(word.slice(start, i), out);
      start = i;
    }
    this.encodeCached(start === 0 ? word : word.slice(start), out);
  }

  private encodeUncached(word: string, out: number[]): void {
    if (this.byteLevel) this.encodeBytes(word, out);
    else this.encodeChars(word, out);
  }

  private encodeBytes(word: string, out: number[]): void {
    const symbols = symbolBuffer(word.length * 3);
    let length = 0;
    for (let i = 0; i < word.length; i++) {
      let code = word.charCodeAt(i);
      if (code < 0x80) {
        symbols[length++] = this.byteIds[code]!;
        continue;
      }
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < word.length) {
        const low = word.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      if (code < 0x800) {
        symbols[length++] = this.byteIds[0xc0 | (code >> 6)]!;
      } else if (code < 0x10000) {
        symbols[length++] = this.byteIds[0xe0 | (code >> 12)]!;
        symbols[length++] = this.byteIds[0x80 | ((code >> 6) & 0x3f)]!;
      } else {
        symbols[length++] = this.byteIds[0xf0 | (code >> 18)]!;
        symbols[length++] = this.byteIds[0x80 | ((code >> 12) & 0x3f)]!;
        symbols[length++] = this.byteIds[0x80 | ((code >> 6) & 0x3f)]!;
      }
      symbols[length++] = this.byteIds[0x80 | (code & 0x3f)]!;
    }
    if (this.ignoreMerges) {
      const whole = this.vocabulary.idOf(this.toByteLevelString(word));
      if (whole !== undefined) {
        out.push(whole);
        return;
      }
    }
    mergeSymbols(this.merges, length, out);
  }

  private toByteLevelString(word: string): string {
    let text = '';
    for (const byte of new TextEncoder().encode(word)) text += byteToChar[byte];
    return text;
  }

  private encodeChars(word: string, out: number[]): void {
    if (this.ignoreMerges) {
      const whole = this.vocabulary.idOf(word);
      if (whole !== undefined) {
        out.push(whole);
        return;
      }
    }
    // Worst case: every UTF-16 unit becomes 3 fallback bytes.
    const symbols = symbolBuffer(word.length * 3);
    let length = 0;
    let pendingUnk = false;
    for (let i = 0; i < word.length; i++) {
      let code = word.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < word.length) {
        const low = word.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
        }
      }
      const id = this.charId(code);
      if (id !== -1) {
        if (pendingUnk) {
          symbols[length++] = this.unkId;
          pendingUnk = false;
        }
        symbols[length++] = id;
        continue;
      }
      if (this.hasByteFallback && this.writeFallbackBytes(code, symbols, length)) {
        length += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
        continue;
      }
      if (this.unkId === -1) continue; // no unknown token: Hugging Face drops the character
      if (pendingUnk && !this.fuseUnk) symbols[length++] = this.unkId;
      pendingUnk = true;
    }
    if (pendingUnk) symbols[length++] = this.unkId;
    if (length === 0) return;
    mergeSymbols(this.merges, length, out);
  }

  /**
   * Id of the token that is the one code point `code`, or -1: the lowest such id, as the
   * vocabulary's index keeps the first id of duplicated bytes. Unpaired surrogates are no token's
   * string when every token string is well formed.
   */
  private charId(code: number): number {
    if (this.charIds !== undefined) return this.charIds.get(code) ?? -1;
    if (code >= 0xd800 && code <= 0xdfff) return -1;
    const b = this.charBytes;
    let n: number;
    if (code < 0x80) {
      b[0] = code;
      n = 1;
    } else if (code < 0x800) {
      b[0] = 0xc0 | (code >> 6);
      b[1] = 0x80 | (code & 0x3f);
      n = 2;
    } else if (code < 0x10000) {
      b[0] = 0xe0 | (code >> 12);
      b[1] = 0x80 | ((code >> 6) & 0x3f);
      b[2] = 0x80 | (code & 0x3f);
      n = 3;
    } else {
      b[0] = 0xf0 | (code >> 18);
      b[1] = 0x80 | ((code >> 12) & 0x3f);
      b[2] = 0x80 | ((code >> 6) & 0x3f);
      b[3] = 0x80 | (code & 0x3f);
      n = 4;
    }
    return this.vocabulary.findBytes(b, 0, n);
  }

  /** Writes `<0xXX>` ids of the character's UTF-8 bytes; false when one of them is missing. */
  private writeFallbackBytes(code: number, symbols: Int32Array, at: number): boolean {
    const bytes =
      code < 0x80
        ? [code]
        : code < 0x800
          ? [0xc0 | (code >> 6), 0x80 | (code & 0x3f)]
          : code < 0x10000
            ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
            : [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
    for (const byte of bytes) if (this.fallbackByteIds[byte] === -1) return false;
    for (let k = 0; k < bytes.length; k++) symbols[at + k] = this.fallbackByteIds[bytes[k]!]!;
    return true;
  }
}
