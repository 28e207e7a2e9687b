// The mlx-ts command line: serve, generate, chat, bench, launch.
import { Command, CommanderError } from 'commander';
import { version } from '../version.js';
import { benchCommand } from './commands/bench.js';
import { chatCommand } from './commands/chat.js';
import { generateCommand } from './commands/generate.js';
import { launchCommand } from './commands/launch.js';
import { serveCommand } from './commands/serve.js';

export function buildProgram(): Command {
  return (
    new Command('mlx-ts')
      .description('Run LLMs on MLX from Node: an OpenAI-compatible server, one-shot generation, chat and benchmarks.')
      .version(version, '-V, --version', 'print the version of mlx-ts')
      .showHelpAfterError('(run with --help for usage)')
      // launch hands everything after its command on to that command (passThroughOptions).
      .enablePositionalOptions()
      .addCommand(serveCommand())
      .addCommand(generateCommand())
      .addCommand(chatCommand())
      .addCommand(benchCommand())
      .addCommand(launchCommand())
  );
}

/**
 * `pnpm start -- --port 9000` hands the `--` on to the script; a `--` right before the options
 * (first, or right after the command) means nothing to mlx-ts, so it is dropped.
 */
export function withoutForwardedSeparator(args: readonly string[]): string[] {
  const rest = [...args];
  if (rest[0] === '--') rest.shift();
  else if (rest[1] === '--' && !rest[0].startsWith('-')) rest.splice(1, 1);
  return rest;
}

// A reader that goes away (`mlx-ts generate … | head`) is the normal end of the output, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv.slice(0, 2), ...withoutForwardedSeparator(argv.slice(2))]);
  } catch (error) {
    if (error instanceof CommanderError) throw error;
    // Every error we raise names its fix; print that, not a stack.
    process.stderr.write(`mlx-ts: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

await main();
