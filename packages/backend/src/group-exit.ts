// How a process whose distributed group failed ends: one line naming the failure, then at once
// (a collective left blocked on the dead connection would keep process.exit waiting for the
// thread stuck in it).
import * as mx from '@mlx-ts/core';

/** The one line every rank prints when the group fails. */
export function groupFailureLine(rank: number, message: string): string {
  const peer = rank === 0 ? 'another rank' : 'rank 0 or another rank';
  return `mlx-ts: rank ${rank}: the distributed group failed (${message}): ${peer} died or lost its connection. Exiting.`;
}

/** Writes `line` to stderr and ends the process at once with `code`. */
export function exitAfterGroupFailure(line: string, code = 1): never {
  return mx.distributed.exitNow(code, line);
}

/**
 * From now on a failed collective on this thread's stream, or a peer's connection that closes,
 * ends the process with exit code 1 and groupFailureLine, even where no evaluation would ever
 * report it (see mx.distributed.exitOnStreamError and exitOnLostPeer). A deliberate stop calls
 * mx.distributed.expectPeersToLeave() first.
 */
export function exitOnGroupFailure(rank: number): void {
  mx.distributed.exitOnStreamError({ collective: groupFailureLine(rank, '{error}'), other: `mlx-ts: rank ${rank}: {error}. Exiting.` });
  mx.distributed.exitOnLostPeer({ line: groupFailureLine(rank, '{error}') });
}
