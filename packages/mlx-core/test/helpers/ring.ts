// Starts N real Node processes as one MLX ring group on 127.0.0.1, the way mlx.launch does:
// a JSON hostfile with one free port per rank, MLX_RANK and MLX_HOSTFILE in each environment.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { distEntry } from './child.js';

export interface RankResult {
  rank: number;
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Writes a ring hostfile for `size` ranks on free local ports and returns its path. */
export async function ringHostfile(size: number): Promise<string> {
  const hosts: string[][] = [];
  for (let r = 0; r < size; r++) hosts.push([`127.0.0.1:${await freePort()}`]);
  const path = join(mkdtempSync(join(tmpdir(), 'mlx-ts-ring-')), 'hosts.json');
  writeFileSync(path, JSON.stringify(hosts));
  return path;
}

function runRank(rank: number, code: string, env: Record<string, string>, timeoutMs: number): Promise<RankResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, ...env, MLX_RANK: String(rank) } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // The harness bound: a process still running after timeoutMs is killed and reported.
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ rank, status, signal, stdout, stderr });
    });
  });
}

/**
 * Runs `source` (which may `import * as mx from MX`) on the given ranks of a ring of `size`;
 * ranks left out of `ranks` never start, as a peer that died before connecting.
 */
export async function runRing(
  source: string,
  options: { size?: number; ranks?: number[]; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RankResult[]> {
  const size = options.size ?? 2;
  const hostfile = await ringHostfile(size);
  const code = source.replaceAll('MX', JSON.stringify(distEntry));
  const ranks = options.ranks ?? [...Array(size).keys()];
  try {
    return await Promise.all(ranks.map((r) => runRank(r, code, { MLX_HOSTFILE: hostfile, ...options.env }, options.timeoutMs ?? 90_000)));
  } finally {
    rmSync(dirname(hostfile), { recursive: true, force: true });
  }
}

/** The last stdout line of a rank, parsed as JSON. */
export function lastJson(result: RankResult): unknown {
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new Error(`rank ${result.rank} printed no JSON (status ${result.status}, signal ${result.signal}):\n${result.stdout}\n${result.stderr}`);
  }
}
