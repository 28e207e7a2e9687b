// mlx-ts bench: prefill and decode speed of a model on this machine.
import { Command } from 'commander';
import { loadBackend } from '../load-backend.js';
import { integer } from '../parse-number.js';

interface BenchFlags {
  model?: string;
  promptTokens: number;
  generationTokens: number;
  runs: number;
  json: boolean;
}

const filler = 'The history of computing is a story of people, ideas and machines that changed how we live and work. ';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export function benchCommand(): Command {
  return new Command('bench')
    .description('Measure prompt processing and generation speed (median of several runs).')
    .option(
      '-m, --model <path|id>',
      'a model folder, a .gguf file, or a Hugging Face id org/name[@revision][:QUANT] (from the HF cache, else downloaded into it; default: Gemma 3 270M, downloaded on first use)',
    )
    .option('--prompt-tokens <n>', 'prompt length in tokens', integer(1, 100_000), 512)
    .option('--generation-tokens <n>', 'tokens to generate per run', integer(1, 100_000), 128)
    .option('--runs <n>', 'measured runs (after one warm-up run)', integer(1, 100), 3)
    .option('--json', 'print one JSON object instead of a table', false)
    .action(async (flags: BenchFlags) => {
      const backend = await loadBackend({ model: flags.model });
      try {
        const tokenizer = backend.tokenizer;
        const text = filler.repeat(Math.ceil((flags.promptTokens * 2) / 16));
        const body = tokenizer.encode(text).slice(0, flags.promptTokens);
        const results = [];
        for (let run = 0; run <= flags.runs; run++) {
          // A different first token per run defeats the prefix cache, so every run measures prefill.
          const prompt = [...body.slice(0, 1), (body[1] + run) % tokenizer.vocabSize, ...body.slice(2)];
          const label = run === 0 ? 'warm-up' : `run ${run}/${flags.runs}`;
          process.stderr.write(`bench: ${label}: ${flags.promptTokens} prompt + ${flags.generationTokens} generated tokens…`);
          const result = await backend.generate(prompt, { maxTokens: flags.generationTokens, temperature: 0, ignoreEos: true });
          const t = result.timings;
          process.stderr.write(` prompt ${t.promptTokensPerSecond.toFixed(1)} tok/s, generation ${t.generationTokensPerSecond.toFixed(1)} tok/s\n`);
          if (run > 0) results.push(result);
        }
        const report = {
          model: backend.name,
          promptTokens: flags.promptTokens,
          generationTokens: flags.generationTokens,
          runs: flags.runs,
          promptTokensPerSecond: median(results.map((r) => r.timings.promptTokensPerSecond)),
          generationTokensPerSecond: median(results.map((r) => r.timings.generationTokensPerSecond)),
          timeToFirstTokenMs: median(results.map((r) => r.timings.ttftMs)),
          peakMemoryBytes: Math.max(...results.map((r) => r.timings.peakMemoryBytes)),
        };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(report)}\n`);
        } else {
          process.stdout.write(
            `${[
              `model                ${report.model}`,
              `prompt               ${report.promptTokens} tokens: ${report.promptTokensPerSecond.toFixed(1)} tokens/s`,
              `generation           ${report.generationTokens} tokens: ${report.generationTokensPerSecond.toFixed(1)} tokens/s`,
              `time to first token  ${report.timeToFirstTokenMs.toFixed(0)} ms`,
              `peak memory          ${(report.peakMemoryBytes / 1e6).toFixed(0)} MB`,
            ].join('\n')}\n`,
          );
        }
      } finally {
        await backend.dispose();
      }
    });
}
