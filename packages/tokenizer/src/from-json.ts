import type { AddedToken } from './added-tokens.js';
import { BpeModel } from './bpe-model.js';
import { buildDecoder } from './decoders.js';
import { TokenizerError } from './errors.js';
import type { TokenizerJson } from './json-types.js';
import { buildNormalizer } from './normalizers.js';
import { buildPostProcessor } from './post-processors.js';
import { buildPreTokenizer } from './pre-tokenizers.js';
import type { TokenizerParts } from './tokenizer.js';
import { tokenFieldContent, type TokenizerConfig } from './tokenizer-config.js';
import { checkTokenId, Vocabulary } from './vocabulary.js';

const namedSpecialTokens = ['bos_token', 'eos_token', 'unk_token', 'sep_token', 'pad_token', 'cls_token', 'mask_token'];

function* mergePairs(merges: TokenizerJson['model']['merges']): Generator<readonly [string, string]> {
  for (const merge of merges ?? []) {
    if (typeof merge !== 'string') {
      yield merge;
      continue;
    }
    const space = merge.indexOf(' ');
    if (space <= 0 || merge.indexOf(' ', space + 1) !== -1)
      throw new TokenizerError(`Malformed merge ${JSON.stringify(merge)} in tokenizer.json: expected "left right".`);
    yield [merge.slice(0, space), merge.slice(space + 1)];
  }
}

/** The chat template from tokenizer_config.json (a string, or a list with one named "default"). */
export function pickChatTemplate(config: TokenizerConfig): string | undefined {
  const template = config.chat_template;
  if (typeof template === 'string') return template;
  if (Array.isArray(template)) return template.find((t) => t.name === 'default')?.template ?? template[0]?.template;
  return undefined;
}

/** Values transformers passes to every chat template: its special-token map. */
export function templateContextOf(config: TokenizerConfig): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  const extra =
    typeof config.extra_special_tokens === 'object' && config.extra_special_tokens !== null && !Array.isArray(config.extra_special_tokens)
      ? Object.keys(config.extra_special_tokens)
      : [];
  for (const key of [...namedSpecialTokens, ...extra]) {
    const value = tokenFieldContent(config[key] as never) ?? tokenFieldContent((config.extra_special_tokens as Record<string, never> | undefined)?.[key]);
    if (value !== undefined) context[key] = value;
  }
  return context;
}

export interface BuildOptions {
  config?: TokenizerConfig;
  /** Overrides the chat template found in `config`. */
  chatTemplate?: string;
  /** Extra end-of-sequence ids (e.g. from generation_config.json). */
  extraEosTokenIds?: readonly number[];
  /** Vocabulary and merges already read from the file's bytes (see tokenizer-json-bytes.ts). */
  scanned?: { vocabulary: Vocabulary; mergeIds: Int32Array };
}

/** Resolves merge strings to id triples; every token named must exist, as Hugging Face requires. */
export function resolveMerges(pairs: Iterable<readonly [string, string]>, vocabulary: Vocabulary): Int32Array {
  const out: number[] = [];
  let rank = 0;
  for (const [left, right] of pairs) {
    const a = vocabulary.idOf(left);
    const b = vocabulary.idOf(right);
    const merged = vocabulary.idOf(left + right);
    if (a === undefined || b === undefined || merged === undefined) {
      throw new TokenizerError(`Merge "${left} ${right}" (rank ${rank}) names a token that is not in the vocabulary; the tokenizer file is inconsistent.`);
    }
    out.push(a, b, merged);
    rank++;
  }
  return Int32Array.from(out);
}

function vocabularyFromObject(vocab: Record<string, number>): Vocabulary {
  const tokens: (string | undefined)[] = [];
  const entryCount = Object.keys(vocab).length;
  for (const token in vocab) {
    const id = vocab[token]!;
    if (!Number.isInteger(id) || id < 0)
      throw new TokenizerError(`Vocabulary id of ${JSON.stringify(token)} must be a non-negative integer, got ${String(id)}.`);
    checkTokenId(id, entryCount, `Vocabulary entry ${JSON.stringify(token)}`);
    tokens[id] = token;
  }
  return Vocabulary.fromTokens(tokens);
}

function addedTokensOf(json: TokenizerJson, vocabularySize: number): AddedToken[] {
  const list = json.added_tokens ?? [];
  if (!Array.isArray(list)) throw new TokenizerError('tokenizer.json "added_tokens" must be a list.');
  return list.map((t, index) => {
    if (typeof t !== 'object' || t === null || typeof t.content !== 'string' || t.content.length === 0) {
      throw new TokenizerError(`Added token #${index} of tokenizer.json must be an object with a non-empty string "content".`);
    }
    checkTokenId(t.id, vocabularySize + list.length, `Added token ${JSON.stringify(t.content)}`);
    return {
      id: t.id,
      content: t.content,
      special: t.special === true,
      singleWord: t.single_word === true,
      lstrip: t.lstrip === true,
      rstrip: t.rstrip === true,
      normalized: typeof t.normalized === 'boolean' ? t.normalized : !t.special,
    };
  });
}

/**
 * Token string by id: an added token's content, else the vocabulary's. Made here rather than as
 * an arrow in partsFromJson, whose context would keep what its other closures capture.
 */
function tokenLookup(vocabulary: Vocabulary, added: ReadonlyMap<number, string>): (id: number) => string {
  return (id) => added.get(id) ?? vocabulary.token(id);
}

/** The parts of a Tokenizer described by tokenizer.json (and tokenizer_config.json). */
export function tokenizerPartsFromJson(json: TokenizerJson, options: BuildOptions = {}): TokenizerParts {
  try {
    return partsFromJson(json, options);
  } catch (error) {
    // The component builders read tokenizer.json in the shapes Hugging Face writes; a file of any
    // other shape fails in them with whatever JavaScript throws, which is the file's fault.
    if (TokenizerError.isInstance(error)) throw error;
    throw new TokenizerError(`tokenizer.json is malformed: ${(error as Error).message}`, { cause: error });
  }
}

function partsFromJson(json: TokenizerJson, options: BuildOptions): TokenizerParts {
  if (typeof json !== 'object' || json === null || typeof json.model !== 'object' || json.model === null) {
    throw new TokenizerError('tokenizer.json has no "model" object; is this a Hugging Face tokenizer.json file?');
  }
  const modelType = json.model.type ?? (json.model.merges ? 'BPE' : undefined);
  if (modelType !== 'BPE') {
    throw new TokenizerError(`Unsupported tokenizer model type "${String(modelType)}". Supported: BPE (SentencePiece-style and byte-level).`);
  }
  if (json.model.continuing_subword_prefix || json.model.end_of_word_suffix) {
    throw new TokenizerError('Unsupported BPE option: continuing_subword_prefix / end_of_word_suffix must be empty.');
  }
  const config = options.config ?? {};
  const normalizer = buildNormalizer(json.normalizer);
  const preTokenizer = buildPreTokenizer(json.pre_tokenizer);
  const decoder = buildDecoder(json.decoder);
  const postProcessor = buildPostProcessor(json.post_processor);
  const vocabulary = options.scanned?.vocabulary ?? vocabularyFromObject(json.model.vocab ?? {});
  const mergeIds = options.scanned?.mergeIds ?? resolveMerges(mergePairs(json.model.merges), vocabulary);
  const model = new BpeModel({
    vocabulary,
    mergeIds,
    unkToken: json.model.unk_token,
    fuseUnk: json.model.fuse_unk,
    byteFallback: json.model.byte_fallback,
    ignoreMerges: json.model.ignore_merges,
    byteLevel: preTokenizer.byteLevel,
  });
  const addedTokens = addedTokensOf(json, vocabulary.size);
  // Added tokens' contents over the vocabulary's (the last one listed for an id wins); ids past
  // the vocabulary that an added token names are part of it.
  const added = new Map<number, string>();
  let vocabSize = vocabulary.size;
  for (const token of addedTokens) {
    added.set(token.id, token.content);
    if (token.id >= vocabSize) vocabSize = token.id + 1;
  }

  const bosToken = tokenFieldContent(config.bos_token);
  const eosToken = tokenFieldContent(config.eos_token);
  return {
    model,
    vocabSize,
    idToToken: tokenLookup(vocabulary, added),
    addedTokens,
    normalizer,
    preTokenizer,
    postProcessor,
    decoder,
    bosToken,
    eosTokens: eosToken !== undefined ? [eosToken] : [],
    chatTemplate: options.chatTemplate ?? pickChatTemplate(config),
    templateContext: templateContextOf(config),
    extraEosTokenIds: options.extraEosTokenIds,
  };
}
