/**
 * @module @mlx-ts/tokenizer
 * Hugging Face compatible BPE tokenizers (SentencePiece-style and byte-level) in pure TypeScript,
 * with a streaming detokenizer and Jinja chat templates.
 */
export { Tokenizer, type EncodeOptions, type DecodeOptions } from './tokenizer.js';
export { StreamingDetokenizer } from './streaming-detokenizer.js';
export { TokenizerError } from './errors.js';
export type { ChatMessage, ChatTemplateOptions } from './chat-template.js';
export type { GgufTokenizerMetadata } from './from-gguf.js';
export type { TokenizerConfig } from './tokenizer-config.js';
export type { TokenizerJson } from './json-types.js';
