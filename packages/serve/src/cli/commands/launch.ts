// mlx-ts launch: runs a command as the ranks of an MLX distributed group (ring backend), e.g.
// `mlx-ts launch -n 2 -- node app.mjs` on one machine, or one rank per machine with a hostfile.
import { readFileSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { launchRanks, localHostfile } from '../launch-ranks.js';
import { integer } from '../parse-number.js';

interface LaunchFlags {
  processes?: number;
  hosts?: string;
  rank?: number;
  verbose: boolean;
}

function hostCount(path: string): number {
  let hosts: unknown;
  try {
    hosts = JSON.parse(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new Error(
      `cannot read the hostfile ${path} (${(cause as Error).message}). Fix: give a JSON list with one entry per rank, each a list of "ip:port" strings, e.g. [["10.0.0.1:5000"], ["10.0.0.2:5000"]]`,
    );
  }
  if (!Array.isArray(hosts) || hosts.length === 0 || !hosts.every((h) => Array.isArray(h) && h.every((a) => typeof a === 'string' && /:\d+$/.test(a)))) {
    throw new Error(`the hostfile ${path} is not a list of ranks, each a list of "ip:port" strings. Fix: write it as [["10.0.0.1:5000"], ["10.0.0.2:5000"]]`);
  }
  return hosts.length;
}

/** mlx-ts's own commands (`launch -n 2 -- serve ...`) run this CLI; anything else is a program to start. */
const ownCommands = new Set(['serve', 'generate', 'chat', 'bench']);

function ownCommand(commandLine: string[]): string[] {
  if (!ownCommands.has(commandLine[0]) || !process.argv[1]) return commandLine;
  return [process.execPath, ...process.execArgv, process.argv[1], ...commandLine];
}

export function launchCommand(): Command {
  return new Command('launch')
    .description("Run a command as the ranks of an MLX distributed group (ring backend over TCP), with the environment of Python's mlx.launch.")
    .option('-n, --processes <n>', 'start this many ranks on this machine (127.0.0.1, free ports)', integer(1, 1024))
    .option('--hosts <file>', 'a ring hostfile: a JSON list with one list of "ip:port" per rank')
    .option('--rank <r>', 'with --hosts: the rank to start on this machine (run once per machine); default all of them', integer(0, 1023))
    .option('--verbose', 'MLX_RING_VERBOSE=1: the ring backend logs its connections', false)
    .argument('<command...>', 'the command each rank runs (after --): a program, or an mlx-ts command such as serve')
    .passThroughOptions()
    .action(async (commandLine: string[], flags: LaunchFlags) => {
      if ((flags.processes === undefined) === (flags.hosts === undefined)) throw new Error('give either -n <processes> (one machine) or --hosts <file>');
      let hostfile: string;
      let ranks: number[];
      let made: string | undefined;
      if (flags.hosts) {
        hostfile = resolve(flags.hosts);
        const size = hostCount(hostfile);
        if (flags.rank !== undefined && flags.rank >= size) throw new Error(`--rank ${flags.rank} is not in the hostfile, which has ${size} ranks`);
        ranks = flags.rank !== undefined ? [flags.rank] : [...Array(size).keys()];
      } else {
        hostfile = await localHostfile(flags.processes!);
        made = dirname(hostfile);
        ranks = [...Array(flags.processes!).keys()];
      }
      const [command, ...args] = ownCommand(commandLine);
      try {
        process.exitCode = await launchRanks({ command, args, hostfile, ranks, verbose: flags.verbose });
      } finally {
        // The ranks have ended: the hostfile made for them is not needed again.
        if (made) rmSync(made, { recursive: true, force: true });
      }
    });
}
