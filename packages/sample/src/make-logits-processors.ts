// makeLogitsProcessors: mlx-lm's make_logits_processors, with device-side history.
import { SampleOptionsError } from './errors.js';
import { FrequencyPenalty } from './frequency-penalty.js';
import { LogitBias } from './logit-bias.js';
import type { LogitsProcessor } from './logits-processor.js';
import { PresencePenalty } from './presence-penalty.js';
import { RepetitionPenalty } from './repetition-penalty.js';
import { checkInteger, checkNumber } from './validate.js';

export interface LogitsProcessorsOptions {
  /** Additive bias per token id (OpenAI's logit_bias): `{ 50256: -100 }` bans token 50256. */
  logitBias?: Readonly<Record<number | string, number>> | ReadonlyMap<number, number>;
  /** Multiplicative, sign-aware penalty for tokens seen recently (1 or absent: off). */
  repetitionPenalty?: number;
  /** Tokens the repetition penalty looks back over (default 20, as mlx-lm): the last ones of prompt plus generated text. */
  repetitionContextSize?: number;
  /** Subtracted once from the logit of every token seen in the window (0 or absent: off). */
  presencePenalty?: number;
  /** Tokens the presence penalty looks back over (default 20, as mlx-lm): the last ones of prompt plus generated text, not OpenAI's whole completion. */
  presenceContextSize?: number;
  /** Subtracted from a token's logit once per recent occurrence (0 or absent: off). */
  frequencyPenalty?: number;
  /** Tokens the frequency penalty looks back over (default 20, as mlx-lm): the last ones of prompt plus generated text, not OpenAI's whole completion. */
  frequencyContextSize?: number;
}

const DEFAULT_CONTEXT_SIZE = 20;

function biasMap(bias: NonNullable<LogitsProcessorsOptions['logitBias']>): Map<number, number> {
  const entries = bias instanceof Map ? [...bias.entries()] : Object.entries(bias);
  const out = new Map<number, number>();
  for (const [key, value] of entries) {
    const id = typeof key === 'number' ? key : /^(0|[1-9]\d*)$/.test(key) ? Number(key) : Number.NaN;
    const option = `logitBias[${String(key)}]`;
    checkInteger(option, id, 0);
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new SampleOptionsError(option, `expected a finite number, got ${String(value)}`);
    if (out.has(id)) throw new SampleOptionsError(option, `token id ${id} is listed twice`);
    out.set(id, value);
  }
  return out;
}

/**
 * Fresh processors for one request, in mlx-lm's order: logit bias, repetition, presence,
 * frequency. Call it once per request: each processor keeps that request's token history.
 * Options are checked here, so a bad value fails before any generation starts.
 */
export function makeLogitsProcessors(options: LogitsProcessorsOptions = {}): LogitsProcessor[] {
  const processors: LogitsProcessor[] = [];
  const bias = options.logitBias === undefined ? undefined : biasMap(options.logitBias);
  if (bias && bias.size > 0) processors.push(new LogitBias(bias));

  const contextSize = (option: string, value: number | undefined) => checkInteger(option, value ?? DEFAULT_CONTEXT_SIZE, 1);
  const { repetitionPenalty, presencePenalty, frequencyPenalty } = options;
  if (repetitionPenalty !== undefined && repetitionPenalty !== 0) {
    // mlx-lm only rejects negative values; 0 means off there too.
    checkNumber('repetitionPenalty', repetitionPenalty, Number.MIN_VALUE, Number.MAX_VALUE);
    processors.push(new RepetitionPenalty(repetitionPenalty, contextSize('repetitionContextSize', options.repetitionContextSize)));
  }
  if (presencePenalty !== undefined && presencePenalty !== 0) {
    checkNumber('presencePenalty', presencePenalty, -Number.MAX_VALUE, Number.MAX_VALUE);
    processors.push(new PresencePenalty(presencePenalty, contextSize('presenceContextSize', options.presenceContextSize)));
  }
  if (frequencyPenalty !== undefined && frequencyPenalty !== 0) {
    checkNumber('frequencyPenalty', frequencyPenalty, -Number.MAX_VALUE, Number.MAX_VALUE);
    processors.push(new FrequencyPenalty(frequencyPenalty, contextSize('frequencyContextSize', options.frequencyContextSize)));
  }
  return processors;
}
