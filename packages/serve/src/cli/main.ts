// The mlx-ts command line: serve, generate, chat, bench.
import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { benchCommand } from './commands/bench.js';
import { chatCommand } from './commands/chat.js';
import { generateCommand } from './commands/generate.js';
import { serveCommand } from './commands/serve.js';

export function buildProgram(): Command {
  return new Command('mlx-ts')
    .description('Run LLMs on MLX from Node: an OpenAI-compatible server, one-shot generation, chat and benchmarks.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(serveCommand())
    .addCommand(generateCommand())
    .addCommand(chatCommand())
    .addCommand(benchCommand());
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) throw error;
    // Every error we raise names its fix; print that, not a stack.
    process.stderr.write(`mlx-ts: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

await main();
