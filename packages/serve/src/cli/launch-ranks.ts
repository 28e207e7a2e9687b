// Starts the processes of one MLX distributed group with MLX's own environment (MLX_RANK,
// MLX_HOSTFILE with the ring backend's JSON host list, MLX_RING_VERBOSE), as Python's mlx.launch
// does, so the same programs run under either launcher. The group lives and dies together: when
// one rank fails the others are stopped, since MLX's collectives would otherwise wait for it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A ring hostfile for `size` ranks on this machine (free ports on 127.0.0.1); returns its path. */
export async function localHostfile(size: number): Promise<string> {
  const hosts: string[][] = [];
  for (let r = 0; r < size; r++) hosts.push([`127.0.0.1:${await freePort('127.0.0.1')}`]);
  const path = join(mkdtempSync(join(tmpdir(), 'mlx-ts-launch-')), 'hosts.json');
  writeFileSync(path, `${JSON.stringify(hosts)}\n`);
  return path;
}

export interface LaunchOptions {
  command: string;
  args: readonly string[];
  hostfile: string;
  /** The ranks to start here (all of them for a local group, one per machine otherwise). */
  ranks: readonly number[];
  verbose?: boolean;
  /**
   * After a rank fails, how long the others get to stop on SIGTERM before SIGKILL (default 15 s:
   * long enough for a rank blocked on the dead peer to give up on its own and say so).
   */
  graceMs?: number;
  log?: (line: string) => void;
}

/** Runs the ranks to their end; resolves with the exit code of the group (the first failure's). */
export function launchRanks(options: LaunchOptions): Promise<number> {
  const { command, args, hostfile, ranks, verbose = false, graceMs = 15_000, log = (line) => process.stderr.write(`${line}\n`) } = options;
  return new Promise((resolve) => {
    const running = new Map<number, ChildProcess>();
    let failure: number | undefined;
    const stopOthers = () => {
      for (const child of running.values()) child.kill('SIGTERM');
      setTimeout(() => {
        for (const child of running.values()) child.kill('SIGKILL');
      }, graceMs).unref();
    };
    for (const rank of ranks) {
      const env = { ...process.env, MLX_RANK: String(rank), MLX_HOSTFILE: hostfile, ...(verbose ? { MLX_RING_VERBOSE: '1' } : {}) };
      const child = spawn(command, [...args], { env, stdio: 'inherit' });
      running.set(rank, child);
      child.on('error', (error) => log(`mlx-ts launch: rank ${rank} could not start ${command}: ${error.message}`));
      child.on('exit', (code, signal) => {
        running.delete(rank);
        const failed = code !== 0;
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        if (failed && failure === undefined) {
          failure = code ?? 1;
          log(`mlx-ts launch: rank ${rank} ${how}; stopping the other ranks`);
          stopOthers();
        } else if (failed) {
          // How the others ended too: a rank that crashed while stopping is not one that stopped.
          log(`mlx-ts launch: rank ${rank} ${how}`);
        }
        if (running.size === 0) resolve(failure ?? 0);
      });
    }
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        for (const child of running.values()) child.kill(signal);
      });
    }
  });
}
