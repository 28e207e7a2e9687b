import { AddedTokenMatcher, type AddedToken, type Segment } from './added-tokens.js';
import type { BpeModel } from './bpe-model.js';
import { renderChatTemplate, type ChatMessage, type ChatTemplateOptions } from './chat-template.js';
import type { DecoderPipeline } from './decoders.js';
import { parseByteToken } from './decoders.js';
import { TokenizerError } from './errors.js';
import type { Normalizer } from './normalizers.js';
import type { PostProcessor } from './post-processors.js';
import type { PreTokenizerPipeline } from './pre-tokenizers.js';
import { StreamingDetokenizer } from './streaming-detokenizer.js';
import { toWellFormed } from './utf8.js';
import { byteLevelTokenBytes } from './byte-level.js';
import { type GgufTokenizerMetadata, tokenizerPartsFromGguf } from './from-gguf.js';
import { tokenizerPartsFromJson } from './from-json.js';
import type { TokenizerJson } from './json-types.js';
import { loadTokenizerDirectoryParts, loadTokenizerFileParts } from './load-files.js';
import type { TokenizerConfig } from './tokenizer-config.js';

export interface EncodeOptions {
  /** Add the post-processor's special tokens (e.g. BOS). Default true, as in Hugging Face. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Leave out tokens marked special (BOS, EOS, turn markers). Default false, as in transformers. */
  skipSpecialTokens?: boolean;
}

/** The assembled pipeline; built by the loaders (`fromFile`, `fromDirectory`, `fromGguf`). */
export interface TokenizerParts {
  model: BpeModel;
  /** Ids 0 .. vocabSize - 1 have a token string ('' for an id without one). */
  vocabSize: number;
  /** Token string of an id below vocabSize. */
  idToToken: (id: number) => string;
  addedTokens: AddedToken[];
  normalizer: Normalizer | null;
  preTokenizer: PreTokenizerPipeline;
  postProcessor: PostProcessor | null;
  decoder: DecoderPipeline;
  bosToken?: string;
  eosTokens: string[];
  chatTemplate?: string;
  /** Values handed to chat templates besides the messages: bos_token, eos_token, ... */
  templateContext: Record<string, unknown>;
  extraEosTokenIds?: readonly number[];
}

const sentinel = '\u0001';

/**
 * A Hugging Face compatible tokenizer: encode, decode, streaming detokenization and chat templates.
 * Build one with `Tokenizer.fromFile`, `Tokenizer.fromDirectory` or `Tokenizer.fromGguf`.
 */
export class Tokenizer {
  private readonly parts: TokenizerParts;
  private readonly rawMatcher: AddedTokenMatcher;
  private readonly normalizedMatcher: AddedTokenMatcher;
  private readonly specialIds: Set<number>;
  /** Ids of the `<0xXX>` tokens, when the decoder joins byte tokens (a few hundred ids, not a table per id). */
  private readonly byteFallbackIds = new Set<number>();
  readonly bosTokenId: number | undefined;
  readonly eosTokenIds: readonly number[];
  readonly vocabSize: number;

  /** Loads a tokenizer.json file; `config` is the parsed tokenizer_config.json, when you have it. */
  static async fromFile(path: string, config?: TokenizerConfig): Promise<Tokenizer> {
    return new Tokenizer(await loadTokenizerFileParts(path, config));
  }

  /** Loads a model folder: tokenizer.json plus tokenizer_config.json, special_tokens_map.json, chat_template.jinja. */
  static async fromDirectory(directory: string): Promise<Tokenizer> {
    return new Tokenizer(await loadTokenizerDirectoryParts(directory));
  }

  /** Builds a tokenizer from the `tokenizer.ggml.*` / `tokenizer.chat_template` keys of a GGUF file. */
  static fromGguf(metadata: GgufTokenizerMetadata): Tokenizer {
    return new Tokenizer(tokenizerPartsFromGguf(metadata));
  }

  /** Builds a tokenizer from already parsed tokenizer.json (and tokenizer_config.json) objects. */
  static fromJson(json: TokenizerJson, config?: TokenizerConfig): Tokenizer {
    return new Tokenizer(tokenizerPartsFromJson(json, { config }));
  }

  constructor(parts: TokenizerParts) {
    this.parts = parts;
    this.rawMatcher = new AddedTokenMatcher(parts.addedTokens.filter((t) => !t.normalized || parts.normalizer === null));
    // Hugging Face matches `normalized` added tokens by their normalized content in normalized text.
    const normalizer = parts.normalizer;
    this.normalizedMatcher = new AddedTokenMatcher(
      normalizer === null ? [] : parts.addedTokens.filter((t) => t.normalized).map((t) => ({ ...t, content: normalizer(t.content) })),
    );
    this.specialIds = new Set(parts.addedTokens.filter((t) => t.special).map((t) => t.id));
    this.vocabSize = parts.vocabSize;
    if (parts.decoder.byteFallback) {
      const vocabulary = parts.model.vocabulary;
      const arena = vocabulary.arena;
      // '<0x' in UTF-8, read in the arena: only byte tokens become strings.
      for (let id = 0; id < vocabulary.size; id++) {
        const at = vocabulary.start(id);
        if (
          vocabulary.byteLength(id) >= 3 &&
          arena[at] === 0x3c &&
          arena[at + 1] === 0x30 &&
          arena[at + 2] === 0x78 &&
          parseByteToken(vocabulary.token(id)) !== -1
        )
          this.byteFallbackIds.add(id);
      }
    }
    this.bosTokenId = parts.bosToken !== undefined ? this.tokenToId(parts.bosToken) : undefined;
    const eos = parts.eosTokens.map((t) => this.tokenToId(t)).filter((id): id is number => id !== undefined);
    this.eosTokenIds = [...new Set([...eos, ...(parts.extraEosTokenIds ?? [])])];
  }

  /** Text to token ids, identical to Hugging Face `tokenizers`' `encode(text).ids`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (typeof text !== 'string') throw new TokenizerError(`encode expects a string, got ${typeof text}.`);
    const ids: number[] = [];
    const { model, normalizer, preTokenizer } = this.parts;
    const emitWord = (word: string): void => model.encodeWord(word, ids);
    const segments: Segment[] = [];
    this.rawMatcher.split(toWellFormed(text), 0, segments);
    for (const segment of segments) {
      if ('id' in segment) {
        ids.push(segment.id);
        continue;
      }
      const atStart = segment.start === 0;
      if (normalizer === null) {
        preTokenizer.run(segment.text, atStart, emitWord);
        continue;
      }
      const normalized = normalizer(segment.text);
      if (this.normalizedMatcher.size === 0) {
        preTokenizer.run(normalized, atStart, emitWord);
        continue;
      }
      const inner: Segment[] = [];
      this.normalizedMatcher.split(normalized, segment.start, inner);
      for (const piece of inner) {
        if ('id' in piece) ids.push(piece.id);
        else preTokenizer.run(piece.text, atStart && piece.start === segment.start, emitWord);
      }
    }
    const addSpecialTokens = options.addSpecialTokens ?? true;
    return addSpecialTokens && this.parts.postProcessor ? this.parts.postProcessor(ids) : ids;
  }

  /** Token ids to text, identical to Hugging Face `tokenizers`' `decode`. */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    return this.parts.decoder.decode(this.tokensOf(ids, 0, ids.length, options.skipSpecialTokens === true));
  }

  /**
   * Decodes `ids[from, to)`; with `continuation`, as text that follows earlier text, so that
   * start-of-text rules (a stripped leading space) do not apply.
   */
  decodeWindow(ids: readonly number[], from: number, to: number, skipSpecialTokens: boolean, continuation: boolean): string {
    const tokens = this.tokensOf(ids, from, to, skipSpecialTokens);
    if (!continuation) return this.parts.decoder.decode(tokens);
    tokens.unshift(sentinel);
    const text = this.parts.decoder.decode(tokens);
    return text.startsWith(sentinel) ? text.slice(1) : text;
  }

  private tokensOf(ids: readonly number[], from: number, to: number, skipSpecialTokens: boolean): string[] {
    const tokens: string[] = [];
    for (let i = from; i < to; i++) {
      const id = ids[i]!;
      const token = this.idToToken(id);
      if (token === undefined) throw new TokenizerError(`Token id ${String(id)} is outside the vocabulary (0..${this.vocabSize - 1}).`);
      if (skipSpecialTokens && this.specialIds.has(id)) continue;
      tokens.push(token);
    }
    return tokens;
  }

  idToToken(id: number): string | undefined {
    return Number.isInteger(id) && id >= 0 && id < this.vocabSize ? this.parts.idToToken(id) : undefined;
  }

  tokenToId(token: string): number | undefined {
    const id = this.parts.model.vocabulary.idOf(token);
    if (id !== undefined) return id;
    return this.parts.addedTokens.find((t) => t.content === token)?.id;
  }

  isSpecialToken(id: number): boolean {
    return this.specialIds.has(id);
  }

  /** True for a `<0xXX>` token that the decoder joins with its neighbours into UTF-8. */
  isByteFallbackToken(id: number): boolean {
    return this.byteFallbackIds.has(id);
  }

  /** UTF-8 bytes of a byte-level token, or null for decoders that are not ByteLevel. */
  byteLevelBytes(id: number): number[] | null {
    if (!this.parts.decoder.byteLevel) return null;
    const token = this.idToToken(id) ?? '';
    return byteLevelTokenBytes(token) ?? Array.from(new TextEncoder().encode(token));
  }

  /** A detokenizer that turns ids into text one id at a time. */
  createStreamingDetokenizer(options: DecodeOptions = {}): StreamingDetokenizer {
    return new StreamingDetokenizer(this, options);
  }

  /** The chat template in use (tokenizer_config.json, chat_template.jinja or GGUF), if any. */
  get chatTemplate(): string | undefined {
    return this.parts.chatTemplate;
  }

  /** Renders messages with the model's own chat template, exactly as transformers' `apply_chat_template`. */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    const template = options.chatTemplate ?? this.parts.chatTemplate;
    if (template === undefined) {
      throw new TokenizerError(
        'This tokenizer has no chat template. Pass one with { chatTemplate } or load a model folder whose tokenizer_config.json or chat_template.jinja has it.',
      );
    }
    return renderChatTemplate(template, messages, { ...this.parts.templateContext }, options);
  }

  /**
   * Renders the chat and encodes it. BOS is added only when the template did not already
   * write it, so the ids never start with two BOS tokens.
   */
  encodeChat(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): number[] {
    const text = this.applyChatTemplate(messages, options);
    const ids = this.encode(text, { addSpecialTokens: false });
    const bos = this.bosTokenId;
    const postProcessorAddsBos = bos !== undefined && this.encode('', { addSpecialTokens: true })[0] === bos;
    return postProcessorAddsBos && ids[0] !== bos ? [bos, ...ids] : ids;
  }
}
