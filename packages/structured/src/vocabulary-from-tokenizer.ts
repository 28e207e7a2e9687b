// Builds the engine's vocabulary from a tokenizer object that has the methods below (the shape
// of @mlx-ts/tokenizer's Tokenizer), without depending on that package.
import type { TokenVocabulary, VocabularyKind } from './vocabulary.js';

export interface TokenizerLike {
  readonly vocabSize: number;
  idToToken(id: number): string | undefined;
  isSpecialToken(id: number): boolean;
  /** Non-null for ByteLevel decoders. */
  byteLevelBytes(id: number): number[] | null;
  isByteFallbackToken(id: number): boolean;
}

function kindOf(tokenizer: TokenizerLike): VocabularyKind {
  if (tokenizer.byteLevelBytes(0) !== null) return 'byte_level';
  for (let id = 0; id < Math.min(tokenizer.vocabSize, 1024); id++) if (tokenizer.isByteFallbackToken(id)) return 'byte_fallback';
  return 'raw';
}

/**
 * The vocabulary of `tokenizer` for logits of width `size`. Special tokens become '' so no
 * constraint lets them through; `stopTokenIds` are allowed once the grammar is complete.
 */
export function vocabularyFromTokenizer(
  tokenizer: TokenizerLike,
  size: number,
  stopTokenIds: readonly number[],
  /** Special tokens a constraint may produce all the same (tool-call markers such as `[TOOL_CALLS]`). */
  keepSpecialTokens: readonly string[] = [],
): TokenVocabulary {
  const count = Math.min(tokenizer.vocabSize, size);
  const keep = new Set(keepSpecialTokens);
  const tokens: string[] = new Array(count);
  for (let id = 0; id < count; id++) {
    const token = tokenizer.idToToken(id) ?? '';
    tokens[id] = tokenizer.isSpecialToken(id) && !keep.has(token) ? '' : token;
  }
  return { tokens, kind: kindOf(tokenizer), size, stopTokenIds: [...stopTokenIds] };
}
