// The sampling flags shared by generate, chat and serve (serve: as server-wide defaults).
import type { GenerateOptions } from '@mlx-ts/spec';
import type { Command } from 'commander';
import { samplingRanges } from '../../server/sampling-ranges.js';
import { inRange, integer } from '../parse-number.js';

export interface SamplingFlags {
  maxTokens?: number;
  temp?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  repetitionPenalty?: number;
}

/** The ranges are the HTTP API's, so a value the server's flags accept its requests accept too. */
export function addSamplingOptions(
  command: Command,
  maxTokensHelp: string,
  temperatureHelp = 'sampling temperature from 0 to 2 (0 = greedy, the default)',
): Command {
  return command
    .option('--max-tokens <n>', maxTokensHelp, integer(1, 1_000_000))
    .option('--temp <t>', temperatureHelp, inRange(samplingRanges.temperature))
    .option('--top-p <p>', 'nucleus sampling: keep the smallest set of tokens whose probability reaches p (0 < p <= 1)', inRange(samplingRanges.top_p))
    .option('--top-k <k>', 'keep only the k most likely tokens (0 = off)', inRange(samplingRanges.top_k))
    .option('--min-p <p>', 'drop tokens less likely than p times the most likely one (0 to 1)', inRange(samplingRanges.min_p))
    .option('--repetition-penalty <r>', 'discourage repeating recent tokens (> 1; at most 10)', inRange(samplingRanges.repetition_penalty))
    .option('--seed <n>', 'random seed, for reproducible sampling', inRange(samplingRanges.seed));
}

export function generateOptionsFrom(flags: SamplingFlags): GenerateOptions {
  const options: GenerateOptions = {};
  if (flags.maxTokens !== undefined) options.maxTokens = flags.maxTokens;
  if (flags.temp !== undefined) options.temperature = flags.temp;
  if (flags.topP !== undefined) options.topP = flags.topP;
  if (flags.topK !== undefined) options.topK = flags.topK;
  if (flags.minP !== undefined) options.minP = flags.minP;
  if (flags.seed !== undefined) options.seed = flags.seed;
  if (flags.repetitionPenalty !== undefined) options.repetitionPenalty = flags.repetitionPenalty;
  return options;
}
