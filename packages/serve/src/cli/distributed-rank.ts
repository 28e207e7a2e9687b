// `mlx-ts serve` as one rank of a distributed group (started by `mlx-ts launch`, Python's
// mlx.launch, or by hand with MLX_RANK and MLX_HOSTFILE set). Rank 0 serves HTTP: its model runs
// on the usual worker thread, which also starts the group, so that every collective (the
// announcements of the steps and the model's all-sums) is issued from the one thread that owns
// the model's streams. The other ranks serve nothing: their main thread loads their part of the
// model and runs the forward passes rank 0 announces, until rank 0 stops. A rank that dies or
// loses its connection ends the group: the others see the failed collective and exit non-zero.
import { readFileSync } from 'node:fs';
import { exitAfterGroupFailure, exitOnGroupFailure, groupFailureLine, MlxBackend } from '@mlx-ts/backend';
import { resolveModelPath } from './load-backend.js';

/** A ring hostfile's rank count (undefined when there is none or it is not one). */
function hostfileSize(): number | undefined {
  const path = process.env.MLX_HOSTFILE;
  if (!path) return undefined;
  try {
    const hosts: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(hosts) ? hosts.length : undefined;
  } catch {
    return undefined;
  }
}

/** The rank MLX's environment gives this process, or undefined when it is not part of a group of two or more. */
export function distributedRank(): number | undefined {
  const rank = process.env.MLX_RANK;
  if (rank === undefined || rank === '') return undefined;
  // `launch -n 1`: MLX's ring backend does not start a group of one, and it needs no group.
  if (hostfileSize() === 1) return undefined;
  const value = Number(rank);
  if (!Number.isInteger(value) || value < 0) throw new Error(`MLX_RANK must be a rank number (0, 1, ...), got ${JSON.stringify(rank)}`);
  return value;
}

function isDistributed(error: Error): boolean {
  return (error as { code?: string }).code === 'distributed_error' || /^\[(ring|mpi|nccl|jaccl|distributed)\]/.test(error.message);
}

export interface FollowerFlags {
  model?: string;
  parallelism?: 'tensor' | 'pipeline';
  kvBits?: number;
  kvGroupSize?: number;
}

/** Runs a rank other than 0 to its end; exits 0 when rank 0 stopped the group, 1 when it failed. */
export async function runFollower(rank: number, flags: FollowerFlags): Promise<never> {
  // The terminal's Ctrl-C and the launcher's signals reach rank 0 too: it finishes its running
  // requests and then stops the group, which ends this rank. Leaving first would fail them.
  let signals = 0;
  const onSignal = (signal: string) => {
    // Again: now, even when a collective that lost its peer holds a thread (process.exit would wait for it).
    if (++signals > 1) exitAfterGroupFailure(`mlx-ts: rank ${rank}: ${signal} again: exiting now`);
    process.stderr.write(`mlx-ts: rank ${rank}: ${signal}: waiting for rank 0 to stop the group (again to exit now)\n`);
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  try {
    const path = await resolveModelPath(flags.model);
    // The collectives run on this thread: a failed one ends the process even where no evaluation reports it.
    exitOnGroupFailure(rank);
    process.stderr.write(`mlx-ts: rank ${rank} (pid ${process.pid}): loading ${path}; running the forward passes of rank 0, which serves HTTP\n`);
    await MlxBackend.follow(path, {
      parallelism: flags.parallelism,
      kvBits: flags.kvBits,
      kvGroupSize: flags.kvGroupSize,
      onLoaded: ({ size, activeMemoryBytes }) =>
        process.stderr.write(`mlx-ts: rank ${rank} of ${size}: loaded its part of the model (MLX holds ${activeMemoryBytes} bytes); following rank 0\n`),
    });
  } catch (error) {
    const failure = error as Error;
    exitAfterGroupFailure(isDistributed(failure) ? groupFailureLine(rank, failure.message) : `mlx-ts: rank ${rank}: ${failure.message}`);
  }
  process.stderr.write(`mlx-ts: rank ${rank}: rank 0 stopped the group; exiting\n`);
  process.exit(0);
}
