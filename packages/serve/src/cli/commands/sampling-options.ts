// The sampling flags shared by generate, chat and serve (serve: as server-wide defaults).
import type { GenerateOptions } from '@mlx-ts/spec';
import type { Command } from 'commander';
import { decimal, integer } from '../parse-number.js';

export interface SamplingFlags {
  maxTokens?: number;
  temp?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  repetitionPenalty?: number;
}

export function addSamplingOptions(command: Command, maxTokensHelp: string): Command {
  return command
    .option('--max-tokens <n>', maxTokensHelp, integer(1, 1_000_000))
    .option('--temp <t>', 'sampling temperature (0 = greedy, the default)', decimal(0, 100))
    .option('--top-p <p>', 'nucleus sampling: keep the smallest set of tokens whose probability reaches p', decimal(Number.MIN_VALUE, 1))
    .option('--top-k <k>', 'keep only the k most likely tokens (0 = off)', integer(0))
    .option('--min-p <p>', 'drop tokens less likely than p times the most likely one', decimal(0, 1))
    .option('--repetition-penalty <r>', 'discourage repeating recent tokens (> 1)', decimal(Number.MIN_VALUE, 10))
    .option('--seed <n>', 'random seed, for reproducible sampling', integer(0));
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
