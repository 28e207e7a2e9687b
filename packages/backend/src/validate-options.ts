// Checks GenerateOptions before any work starts; a bad value is an InvalidRequestError naming
// the option, never a crash deep in the engine.
import { InvalidRequestError } from './errors.js';
import type { GenerateOptions } from './types.js';

export interface ResolvedOptions {
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  repetitionPenalty?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  logitBias?: Record<number, number>;
  seed?: number;
  stop: string[];
  logprobs: boolean;
  topLogprobs: number;
  ignoreEos: boolean;
}

const known = new Set([
  'maxTokens',
  'temperature',
  'topP',
  'topK',
  'minP',
  'repetitionPenalty',
  'presencePenalty',
  'frequencyPenalty',
  'logitBias',
  'seed',
  'stop',
  'logprobs',
  'topLogprobs',
  'ignoreEos',
]);

function finite(options: Record<string, unknown>, name: string, check: (v: number) => boolean, rule: string): number | undefined {
  const value = options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) {
    throw new InvalidRequestError(`${name} must be ${rule}, got ${JSON.stringify(value) ?? String(value)}`, name);
  }
  return value;
}

export function resolveOptions(options: GenerateOptions = {}, defaults: { maxTokens: number; vocabSize: number }): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidRequestError('options must be an object');
  const raw = options as Record<string, unknown>;
  for (const key of Object.keys(raw)) {
    if (!known.has(key) && !['prompt', 'messages'].includes(key)) throw new InvalidRequestError(`unknown option "${key}"`, key);
  }
  const maxTokens = finite(raw, 'maxTokens', (v) => Number.isInteger(v) && v >= 1 && v <= 1_000_000, 'an integer from 1 to 1000000') ?? defaults.maxTokens;
  const temperature = finite(raw, 'temperature', (v) => v >= 0 && v <= 100, 'a number from 0 to 100') ?? 0;
  const topP = finite(raw, 'topP', (v) => v > 0 && v <= 1, 'a number in (0, 1]') ?? 1;
  const topK = finite(raw, 'topK', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer') ?? 0;
  const minP = finite(raw, 'minP', (v) => v >= 0 && v <= 1, 'a number from 0 to 1') ?? 0;
  const repetitionPenalty = finite(raw, 'repetitionPenalty', (v) => v > 0 && v <= 10, 'a number in (0, 10]');
  const presencePenalty = finite(raw, 'presencePenalty', (v) => v >= -2 && v <= 2, 'a number from -2 to 2');
  const frequencyPenalty = finite(raw, 'frequencyPenalty', (v) => v >= -2 && v <= 2, 'a number from -2 to 2');
  const seed = finite(raw, 'seed', (v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer');
  const topLogprobs = finite(raw, 'topLogprobs', (v) => Number.isInteger(v) && v >= 0 && v <= 20, 'an integer from 0 to 20') ?? 0;
  let stop: string[] = [];
  if (raw.stop !== undefined && raw.stop !== null) {
    const list = typeof raw.stop === 'string' ? [raw.stop] : raw.stop;
    if (!Array.isArray(list) || list.length > 16 || !list.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 1000)) {
      throw new InvalidRequestError('stop must be a list of at most 16 non-empty strings', 'stop');
    }
    stop = list as string[];
  }
  for (const flag of ['logprobs', 'ignoreEos']) {
    if (raw[flag] !== undefined && typeof raw[flag] !== 'boolean') throw new InvalidRequestError(`${flag} must be a boolean`, flag);
  }
  let logitBias: Record<number, number> | undefined;
  if (raw.logitBias !== undefined && raw.logitBias !== null) {
    if (typeof raw.logitBias !== 'object' || Array.isArray(raw.logitBias))
      throw new InvalidRequestError('logitBias must map token ids to numbers', 'logitBias');
    logitBias = {};
    for (const [key, value] of Object.entries(raw.logitBias as Record<string, unknown>)) {
      const id = Number(key);
      if (!Number.isInteger(id) || id < 0 || id >= defaults.vocabSize)
        throw new InvalidRequestError(`logitBias: ${key} is not a token id of this model (0..${defaults.vocabSize - 1})`, 'logitBias');
      if (typeof value !== 'number' || !Number.isFinite(value) || value < -100 || value > 100)
        throw new InvalidRequestError(`logitBias: the bias of ${key} must be a number from -100 to 100`, 'logitBias');
      logitBias[id] = value;
    }
  }
  return {
    maxTokens,
    temperature,
    topP,
    topK,
    minP,
    repetitionPenalty,
    presencePenalty,
    frequencyPenalty,
    logitBias,
    seed,
    stop,
    logprobs: raw.logprobs === true,
    topLogprobs,
    ignoreEos: raw.ignoreEos === true,
  };
}
