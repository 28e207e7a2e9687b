import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenizerError } from './errors.js';
import { type BuildOptions, tokenizerPartsFromJson } from './from-json.js';
import { scanTokenizerJson } from './tokenizer-json-bytes.js';
import type { TokenizerParts } from './tokenizer.js';
import type { TokenizerConfig } from './tokenizer-config.js';

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new TokenizerError(`Cannot read ${what} at ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** The parts described by tokenizer.json's bytes (what the loaders build once the file is read). */
export function tokenizerPartsFromBytes(bytes: Uint8Array, options: Omit<BuildOptions, 'scanned'> = {}): TokenizerParts {
  const { json, vocabulary, mergeIds } = scanTokenizerJson(bytes);
  return tokenizerPartsFromJson(json, { ...options, scanned: { vocabulary, mergeIds } });
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TokenizerError(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function parseJson<T>(text: string, path: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new TokenizerError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Loads tokenizer.json; `config` adds what tokenizer_config.json would (BOS/EOS names, chat template). */
export async function loadTokenizerFileParts(path: string, config?: TokenizerConfig): Promise<TokenizerParts> {
  return tokenizerPartsFromBytes(await readBytes(path, 'tokenizer.json'), { config });
}

/**
 * Loads a Hugging Face model folder: tokenizer.json, plus tokenizer_config.json,
 * special_tokens_map.json, chat_template.jinja and generation_config.json when present.
 */
export async function loadTokenizerDirectoryParts(directory: string): Promise<TokenizerParts> {
  const tokenizerPath = join(directory, 'tokenizer.json');
  const [tokenizerBytes, configText, specialText, templateText, generationText] = await Promise.all([
    readBytes(tokenizerPath, 'tokenizer.json (only tokenizer.json BPE vocabularies are supported)'),
    readOptional(join(directory, 'tokenizer_config.json')),
    readOptional(join(directory, 'special_tokens_map.json')),
    readOptional(join(directory, 'chat_template.jinja')),
    readOptional(join(directory, 'generation_config.json')),
  ]);
  const special = specialText !== undefined ? parseJson<TokenizerConfig>(specialText, 'special_tokens_map.json') : {};
  const config = configText !== undefined ? parseJson<TokenizerConfig>(configText, 'tokenizer_config.json') : {};
  // tokenizer_config.json wins over the legacy special_tokens_map.json, as in transformers.
  const merged: TokenizerConfig = { ...special, ...config };
  for (const key of Object.keys(special)) if (merged[key] == null) merged[key] = special[key];
  const generation = generationText !== undefined ? parseJson<{ eos_token_id?: number | number[] }>(generationText, 'generation_config.json') : {};
  const extraEos = generation.eos_token_id === undefined ? [] : Array.isArray(generation.eos_token_id) ? generation.eos_token_id : [generation.eos_token_id];
  return tokenizerPartsFromBytes(tokenizerBytes, {
    config: merged,
    chatTemplate: templateText,
    extraEosTokenIds: extraEos,
  });
}
