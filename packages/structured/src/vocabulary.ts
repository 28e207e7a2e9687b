// What the grammar engine needs to know about a tokenizer, as plain data, so this package does
// not depend on any tokenizer implementation.

/** How the token strings encode text (the decoder of tokenizer.json). */
export type VocabularyKind =
  /** GPT-2 style: each byte is a printable character (`Ġ` is a space); Llama 3, Qwen. */
  | 'byte_level'
  /** SentencePiece style: `▁` is a space and `<0xXX>` tokens are raw bytes; Gemma, Llama 2, Mistral. */
  | 'byte_fallback'
  /** Token strings are the text itself. */
  | 'raw';

export interface TokenVocabulary {
  /**
   * Token strings indexed by id, as the tokenizer's model stores them. Give special tokens
   * (control tokens such as `<start_of_turn>`) as '' so a constraint never lets them through;
   * stop tokens are allowed by `stopTokenIds` instead.
   */
  tokens: readonly string[];
  kind: VocabularyKind;
  /** Width of the model's logits; may be larger than `tokens.length` (padded embeddings). */
  size: number;
  /** Ids that end generation; a constraint allows them exactly when its grammar is complete. */
  stopTokenIds: readonly number[];
  /** Whether the tokenizer adds a space before the first word (SentencePiece `add_dummy_prefix`). */
  prependSpace?: boolean;
}
