import type { MergeTable } from './merge-heap.js';
import type { Vocabulary } from './vocabulary.js';

/**
 * SentencePiece merges by score (llama.cpp's llm_tokenizer_spm): two adjacent symbols merge when
 * the token spelled by their bytes one after the other is mergeable, at that token's rank. The
 * pair is looked up in the vocabulary's own hash index, with one rank per token, instead of a
 * table of every split of every token (Gemma 3's 262k vocabulary: 515k pairs, 12 MB, against 1 MB).
 * Entries are the merged token ids.
 */
export class ScoreMerges implements MergeTable {
  private readonly vocabulary: Vocabulary;
  /** Rank of each token as a merge result, -1 for one that is never merged into. */
  private readonly ranks: Int32Array;
  /**
   * Ids a lookup by bytes never returns (an earlier id has the same bytes); a pair table built
   * from the splits of tokens holds no pair with such a side, so none merges here either.
   */
  private readonly shadowed: ReadonlySet<number> | undefined;

  constructor(vocabulary: Vocabulary, ranks: Int32Array) {
    this.vocabulary = vocabulary;
    this.ranks = ranks;
    this.shadowed = vocabulary.shadowedIds.length > 0 ? new Set(vocabulary.shadowedIds) : undefined;
  }

  find(a: number, b: number): number {
    if (this.shadowed !== undefined && (this.shadowed.has(a) || this.shadowed.has(b))) return -1;
    const merged = this.vocabulary.findPair(a, b);
    return merged !== -1 && this.ranks[merged] !== -1 ? merged : -1;
  }

  rankAt(entry: number): number {
    return this.ranks[entry]!;
  }

  mergedAt(entry: number): number {
    return entry;
  }
}
