import type { AddedToken } from './added-tokens.js';
import { BpeModel } from './bpe-model.js';
import { buildDecoder } from './decoders.js';
import { TokenizerError } from './errors.js';
import type { ComponentJson } from './json-types.js';
import { buildNormalizer } from './normalizers.js';
import { buildPostProcessor } from './post-processors.js';
import { buildPreTokenizer } from './pre-tokenizers.js';
import { resolveMerges } from './from-json.js';
import type { TokenizerParts } from './tokenizer.js';
import { releaseBuffer, Vocabulary } from './vocabulary.js';

/** The `tokenizer.*` keys of a GGUF file, as a GGUF parser hands them over. */
export interface GgufTokenizerMetadata {
  'tokenizer.ggml.model': string;
  'tokenizer.ggml.tokens': readonly string[];
  'tokenizer.ggml.scores'?: ArrayLike<number>;
  'tokenizer.ggml.token_type'?: ArrayLike<number>;
  'tokenizer.ggml.merges'?: readonly string[];
  'tokenizer.ggml.pre'?: string;
  'tokenizer.ggml.bos_token_id'?: number;
  'tokenizer.ggml.eos_token_id'?: number;
  'tokenizer.ggml.unknown_token_id'?: number;
  'tokenizer.ggml.padding_token_id'?: number;
  'tokenizer.ggml.add_bos_token'?: boolean;
  'tokenizer.ggml.add_eos_token'?: boolean;
  'tokenizer.ggml.add_space_prefix'?: boolean;
  'tokenizer.chat_template'?: string;
  [key: string]: unknown;
}

enum TokenType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
}

// Pre-tokenizer regexes llama.cpp uses per `tokenizer.ggml.pre` (llama-vocab.cpp).
const llama3Regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const qwen2Regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const preTokenizerRegexes: Record<string, string> = { llama3: llama3Regex, 'llama-bpe': llama3Regex, qwen2: qwen2Regex };

function fail(message: string): never {
  throw new TokenizerError(`GGUF tokenizer metadata: ${message}`);
}

function isIntegerOrMissing(value: unknown): value is number | undefined {
  return value === undefined || (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
}

function integerKey(metadata: GgufTokenizerMetadata, key: string, vocabSize: number): number | undefined {
  const raw = metadata[key];
  if (!isIntegerOrMissing(raw)) fail(`${key} must be an integer, got ${JSON.stringify(raw)}.`);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (value < 0 || value >= vocabSize) return undefined; // llama.cpp writes -1 or out-of-range ids for "none"
  return value;
}

/**
 * Builds a tokenizer from a GGUF file's `tokenizer.ggml.*` keys: 'llama' (SentencePiece BPE merged by
 * score, with byte fallback) or 'gpt2' (byte-level BPE with merges).
 */
export function tokenizerPartsFromGguf(metadata: GgufTokenizerMetadata): TokenizerParts {
  if (typeof metadata !== 'object' || metadata === null) fail('expected an object of tokenizer.* keys.');
  const kind = metadata['tokenizer.ggml.model'];
  const tokens = metadata['tokenizer.ggml.tokens'];
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) fail('tokenizer.ggml.tokens must be an array of strings.');
  const size = tokens.length;
  const types = metadata['tokenizer.ggml.token_type'];
  if (types !== undefined && types.length !== size) fail(`tokenizer.ggml.token_type has ${types.length} entries for ${size} tokens.`);
  const typeOf = (id: number): number => (types ? Number(types[id]) : TokenType.Normal);
  const bosId = integerKey(metadata, 'tokenizer.ggml.bos_token_id', size);
  const eosId = integerKey(metadata, 'tokenizer.ggml.eos_token_id', size);
  const unkId = integerKey(metadata, 'tokenizer.ggml.unknown_token_id', size);
  const padId = integerKey(metadata, 'tokenizer.ggml.padding_token_id', size);

  const vocabulary = Vocabulary.fromTokens(tokens);
  const addedTokens: AddedToken[] = [];
  for (let id = 0; id < size; id++) {
    const type = typeOf(id);
    if (type !== TokenType.Control && type !== TokenType.UserDefined && type !== TokenType.Unknown) continue;
    const special = type !== TokenType.UserDefined;
    addedTokens.push({ id, content: tokens[id]!, special, singleWord: false, lstrip: false, rstrip: false, normalized: false });
  }

  let model: BpeModel;
  let normalizer: ComponentJson | null = null;
  let preTokenizer: ComponentJson | null = null;
  let decoder: ComponentJson;
  let addBos: boolean;
  if (kind === 'llama') {
    const scores = metadata['tokenizer.ggml.scores'];
    if (scores === undefined || scores.length !== size) fail('tokenizer.ggml.scores must hold one score per token for a "llama" (SentencePiece) vocabulary.');
    const addSpacePrefix = metadata['tokenizer.ggml.add_space_prefix'] !== false;
    normalizer = {
      type: 'Sequence',
      normalizers: [...(addSpacePrefix ? [{ type: 'Prepend', prepend: '\u2581' }] : []), { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' }],
    };
    decoder = {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        ...(addSpacePrefix ? [{ type: 'Strip', content: ' ', start: 1, stop: 0 }] : []),
      ],
    };
    model = new BpeModel({
      vocabulary,
      tokenRanks: tokenRanksFromScores(vocabulary, scores, typeOf),
      unkToken: unkId !== undefined ? tokens[unkId] : null,
      fuseUnk: true,
      byteFallback: true,
      byteLevel: false,
    });
    addBos = metadata['tokenizer.ggml.add_bos_token'] !== false;
  } else if (kind === 'gpt2') {
    const merges = metadata['tokenizer.ggml.merges'];
    if (!Array.isArray(merges) || merges.some((m) => typeof m !== 'string'))
      fail('tokenizer.ggml.merges must be an array of "left right" strings for a "gpt2" vocabulary.');
    const pre = metadata['tokenizer.ggml.pre'] ?? 'default';
    const regex = preTokenizerRegexes[pre];
    preTokenizer = regex
      ? {
          type: 'Sequence',
          pretokenizers: [
            { type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false },
            { type: 'ByteLevel', add_prefix_space: false, use_regex: false },
          ],
        }
      : { type: 'ByteLevel', add_prefix_space: false, use_regex: true };
    decoder = { type: 'ByteLevel' };
    const pairs = merges.map((m) => {
      const space = m.indexOf(' ');
      if (space <= 0) fail(`malformed merge ${JSON.stringify(m)}.`);
      return [m.slice(0, space), m.slice(space + 1)] as const;
    });
    model = new BpeModel({
      vocabulary,
      mergeIds: resolveMerges(pairs, vocabulary),
      ignoreMerges: pre === 'llama3' || pre === 'llama-bpe',
      byteLevel: true,
    });
    addBos = metadata['tokenizer.ggml.add_bos_token'] === true;
  } else {
    fail(`unsupported tokenizer.ggml.model ${JSON.stringify(kind)}; supported: "llama" (SentencePiece BPE) and "gpt2" (byte-level BPE).`);
  }
  const addEos = metadata['tokenizer.ggml.add_eos_token'] === true;
  const template = [
    ...(addBos && bosId !== undefined ? [{ SpecialToken: { id: tokens[bosId]!, type_id: 0 } }] : []),
    { Sequence: { id: 'A', type_id: 0 } },
    ...(addEos && eosId !== undefined ? [{ SpecialToken: { id: tokens[eosId]!, type_id: 0 } }] : []),
  ];
  const specialTokens: Record<string, { ids: number[] }> = {};
  if (bosId !== undefined) specialTokens[tokens[bosId]!] = { ids: [bosId] };
  if (eosId !== undefined) specialTokens[tokens[eosId]!] = { ids: [eosId] };

  const templateContext: Record<string, unknown> = {};
  if (bosId !== undefined) templateContext.bos_token = tokens[bosId];
  if (eosId !== undefined) templateContext.eos_token = tokens[eosId];
  if (unkId !== undefined) templateContext.unk_token = tokens[unkId];
  if (padId !== undefined) templateContext.pad_token = tokens[padId];
  const chatTemplate = metadata['tokenizer.chat_template'];
  const pipeline = buildPreTokenizer(preTokenizer);
  return {
    model,
    vocabSize: size,
    // Bound, not an arrow: a closure here would share this function's context, and with it the
    // file's token-type array (1 MB for 262k tokens) that typeOf captures.
    idToToken: vocabulary.token.bind(vocabulary),
    addedTokens,
    normalizer: buildNormalizer(normalizer),
    preTokenizer: pipeline,
    postProcessor: buildPostProcessor({ type: 'TemplateProcessing', single: template, special_tokens: specialTokens }),
    decoder: buildDecoder(decoder),
    bosToken: bosId !== undefined ? tokens[bosId] : undefined,
    eosTokens: eosId !== undefined ? [tokens[eosId]!] : [],
    chatTemplate: typeof chatTemplate === 'string' ? chatTemplate : undefined,
    templateContext,
  };
}

/**
 * SentencePiece BPE merges the adjacent pair whose concatenation is the best-scoring token, leftmost
 * first (llama.cpp's llm_tokenizer_spm). A mergeable token's rank is its place in score order
 * (tokens of equal score share one); the model finds the token two symbols spell in the vocabulary.
 */
function tokenRanksFromScores(vocabulary: Vocabulary, scores: ArrayLike<number>, typeOf: (id: number) => number): Int32Array {
  const { arena } = vocabulary;
  const size = vocabulary.size;
  // Typed arrays and indexed loops: this runs once, unoptimized, where a growing number[] and
  // for-of iterator results were tens of MB of garbage for a 262k vocabulary.
  const candidates = new Int32Array(size);
  let mergeableCount = 0;
  for (let id = 0; id < size; id++) {
    const type = typeOf(id);
    if (type !== TokenType.Normal && type !== TokenType.UserDefined) continue;
    const start = vocabulary.start(id);
    const length = vocabulary.byteLength(id);
    // first id of a duplicated token wins, as in the vocabulary
    if (length > 1 && vocabulary.findBytes(arena, start, start + length) === id) candidates[mergeableCount++] = id;
  }
  const mergeable = candidates.subarray(0, mergeableCount).sort((a, b) => Number(scores[b]) - Number(scores[a]) || a - b);
  const ranks = new Int32Array(size).fill(-1);
  let rank = -1;
  let previousScore = Number.NaN;
  for (let m = 0; m < mergeableCount; m++) {
    const id = mergeable[m]!;
    const score = Number(scores[id]);
    if (score !== previousScore) {
      rank++;
      previousScore = score;
    }
    ranks[id] = rank;
  }
  releaseBuffer(candidates);
  return ranks;
}
