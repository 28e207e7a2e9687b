// Starts real Node processes as one MLX ring group on 127.0.0.1, the way mlx.launch does: a JSON
// hostfile with one free port per rank, MLX_RANK and MLX_HOSTFILE in each environment.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface RankResult {
  rank: number;
  status: number | null;
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

/** Runs `node script ...args` once, with `env` added; killed after timeoutMs (the harness bound). */
export function runNode(script: string, args: string[], env: Record<string, string>, timeoutMs = 60_000, rank = 0): Promise<RankResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ rank, status, stdout, stderr });
    });
  });
}

/** Runs the script on every rank of a ring of `size` processes. */
export async function runRing(script: string, args: string[], size = 2): Promise<RankResult[]> {
  const hosts: string[][] = [];
  for (let r = 0; r < size; r++) hosts.push([`127.0.0.1:${await freePort()}`]);
  const hostfile = join(mkdtempSync(join(tmpdir(), 'mlx-ts-ring-')), 'hosts.json');
  writeFileSync(hostfile, JSON.stringify(hosts));
  try {
    return await Promise.all(hosts.map((_, r) => runNode(script, args, { MLX_HOSTFILE: hostfile, MLX_RANK: String(r) }, 60_000, r)));
  } finally {
    rmSync(dirname(hostfile), { recursive: true, force: true });
  }
}

/** The last stdout line of a run, parsed as JSON. */
export function lastJson<T>(result: RankResult): T {
  const lines = result.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]) as T;
  } catch {
    throw new Error(`rank ${result.rank} printed no JSON (status ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
}
