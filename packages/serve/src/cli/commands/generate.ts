// mlx-ts generate: stream the generated text to stdout, statistics to stderr.
import { text } from 'node:stream/consumers';
import type { GenerateRequest, GenerateResult } from '@mlx-ts/spec';
import { Command } from 'commander';
import { loadBackend } from '../load-backend.js';
import { addSamplingOptions, generateOptionsFrom, type SamplingFlags } from './sampling-options.js';

interface GenerateFlags extends SamplingFlags {
  model?: string;
  prompt: string;
  system?: string;
  chatTemplate: boolean;
}

export function formatStats(result: GenerateResult): string {
  const { usage, timings } = result;
  return [
    `prompt: ${usage.promptTokens} tokens (${usage.cachedPromptTokens} cached), ${timings.promptTokensPerSecond.toFixed(1)} tokens/s`,
    `generation: ${usage.completionTokens} tokens, ${timings.generationTokensPerSecond.toFixed(1)} tokens/s`,
    `time to first token: ${timings.ttftMs.toFixed(0)} ms`,
    `peak memory: ${(timings.peakMemoryBytes / 1e6).toFixed(0)} MB`,
    `finish: ${result.finishReason}`,
  ].join('\n');
}

export function generateCommand(): Command {
  const command = new Command('generate')
    .description('Generate a reply to one prompt; the text streams to stdout, statistics go to stderr.')
    .option(
      '-m, --model <path|id>',
      'a model folder, a .gguf file, or a Hugging Face id org/name[@revision][:QUANT] (from the HF cache, else downloaded into it; default: Gemma 3 270M, downloaded on first use)',
    )
    .requiredOption('--prompt <text>', 'the prompt; "-" reads it from stdin')
    .option('--system <text>', 'a system message (with the chat template)')
    .option('--no-chat-template', 'send the prompt as raw text instead of a chat turn');
  return addSamplingOptions(command, 'most tokens to generate (default 256)').action(async (flags: GenerateFlags) => {
    const prompt = flags.prompt === '-' ? (await text(process.stdin)).replace(/\n$/, '') : flags.prompt;
    if (!prompt) {
      process.stderr.write('mlx-ts: the prompt is empty; pass --prompt TEXT, or --prompt - with the text on stdin.\n');
      process.exitCode = 2;
      return;
    }
    const backend = await loadBackend({ model: flags.model });
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    const options = { maxTokens: 256, ...generateOptionsFrom(flags) };
    const request: GenerateRequest = flags.chatTemplate
      ? { messages: [...(flags.system ? [{ role: 'system' as const, content: flags.system }] : []), { role: 'user' as const, content: prompt }], ...options }
      : { prompt, ...options };
    try {
      const stream = backend.stream(request, controller.signal);
      for (;;) {
        const next = await stream.next();
        if (next.done) {
          process.stdout.write('\n');
          process.stderr.write(`${formatStats(next.value)}\n`);
          break;
        }
        if (next.value.type === 'text') process.stdout.write(next.value.text);
      }
    } finally {
      await backend.dispose();
    }
    if (controller.signal.aborted) process.exitCode = 130;
  });
}
