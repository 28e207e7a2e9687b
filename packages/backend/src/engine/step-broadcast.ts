// Distributed inference: rank 0 runs the scheduler; before each forward pass it announces what the
// pass is (a prefill chunk or a decode step, its token ids, and the cache row operations before
// it) so that the other ranks run the identical pass on identical caches and the collectives
// inside the model (tensor-parallel all-sums, pipeline sends) pair up. The announcement is itself
// a collective, an all-sum to which the other ranks add zeros, in two parts: a fixed header, then
// a payload whose length the header gives. On rank 0 the pass reads its input from the
// announcement's result, so evaluating the pass performs the announcement first, and a pass that
// is never evaluated was never announced.
import * as mx from '@mlx-ts/core';

/** Int32 fields of a header: [magic, op, a, b, c, d, payload length, spare]. */
export const HEADER_LENGTH = 8;
/** Marks our headers, so that a peer speaking something else fails loudly instead of computing nonsense. */
export const STEP_MAGIC = 0x6d6c7431;

/**
 * How long rank 0 waits for the other ranks to answer a ping or the stop. A collective whose
 * peer died usually fails at once, but the ring backend can also stay blocked on the dead
 * socket; past this the group is taken as failed instead of hanging (healthy answers take
 * microseconds: the other ranks wait in the collective).
 */
const ANSWER_MS = 10_000;

/** Evaluates a collective, failing when it does not complete in time (it cannot be cancelled, only abandoned). */
async function answered(collective: mx.Array, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new mx.DistributedError(`[distributed] ${what} got no answer from the other ranks within ${ANSWER_MS} ms: a rank is gone or hung`)),
      ANSWER_MS,
    );
  });
  try {
    await Promise.race([mx.asyncEval(collective), late]);
  } finally {
    clearTimeout(timer);
  }
}

export const StepOp = {
  /** Nothing to run: rank 0 is idle and checks that the group is still connected. */
  ping: 1,
  /** a = fresh prefill caches (1) or the next chunk of the current ones (0); b = logits of the last position (1); payload = token ids. */
  prefill: 2,
  /**
   * a = the previous step's rows are still in the batch caches (0: reset them); b = rows kept
   * (-1: all of them, else payload[0, b) are their indices); c = times the finished prefill's
   * one-row caches join the batch; d = rows; payload[b, b + d) = token ids.
   */
  decode: 3,
  /** Rank 0 stopped; the other ranks end. */
  stop: 4,
} as const;

export interface DecodeStep {
  hasPrevious: boolean;
  /** Indices of the previous rows kept, when some left. */
  keep: readonly number[] | undefined;
  /** Copies of the finished prefill's caches appended to the batch. */
  joins: number;
  /** The rows' input tokens [B] (on the device). */
  tokens: mx.Array;
}

/**
 * A failed collective: a DistributedError, or any error with the prefix MLX gives its
 * communication backends' messages (so that one the addon did not classify still ends the group).
 */
export function isGroupFailure(error: unknown): boolean {
  return mx.DistributedError.isInstance(error) || (error instanceof Error && /^\[(ring|mpi|nccl|jaccl|distributed)\]/.test(error.message));
}

/** Rank 0's side: wraps each forward pass's input in the announcement. */
export class StepLeader {
  private failure: Error | undefined;

  constructor(
    readonly group: mx.distributed.Group,
    /** Called once, when a collective fails: a rank died or lost its connection. */
    private readonly onFailure: (error: Error) => void,
  ) {}

  /** The group failed; nothing more can run. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** The announcement of a step; the payload's all-sum runs after the header's. */
  private announce(fields: readonly number[], payload?: mx.Array): mx.Array {
    const header = [STEP_MAGIC, ...fields, 0, 0, 0, 0].slice(0, HEADER_LENGTH - 2);
    header.push(payload?.size ?? 0, 0);
    const sent = mx.distributed.allSum(mx.array(header, 'int32'), { group: this.group });
    if (!payload) return sent;
    return mx.distributed.allSum(mx.depends([payload], [sent])[0], { group: this.group });
  }

  /** The input [1, L] of a prefill pass over `tokens`. */
  prefill(tokens: readonly number[], fresh: boolean, logits: boolean): mx.Array {
    return mx.reshape(this.announce([StepOp.prefill, fresh ? 1 : 0, logits ? 1 : 0], mx.array([...tokens], 'int32')), [1, tokens.length]);
  }

  /** The input [B, 1] of a decode pass. */
  decode(step: DecodeStep): mx.Array {
    const rows = step.tokens.size;
    const keep = step.keep ?? [];
    const tokens = mx.reshape(step.tokens.astype('int32'), [rows]);
    const payload = keep.length > 0 ? mx.concatenate([mx.array([...keep], 'int32'), tokens], 0) : tokens;
    const sent = this.announce([StepOp.decode, step.hasPrevious ? 1 : 0, step.keep ? keep.length : -1, step.joins, rows], payload);
    return mx.reshape(keep.length > 0 ? mx.slice(sent, [keep.length], [keep.length + rows]) : sent, [rows, 1]);
  }

  /** While idle: a dead or unreachable rank shows here within a second instead of at the next request. */
  ping(): Promise<void> {
    return this.run(StepOp.ping);
  }

  /**
   * Ends the other ranks' loops. They answer with a 1 each: a rank that died just before has
   * already sent its part of the stop's all-sum (it waits in the next one), so only the answer
   * shows that it is gone.
   */
  async stop(): Promise<void> {
    // The other ranks close their connections once they have answered: that is the stop, not a failure.
    if (!this.failure) mx.distributed.expectPeersToLeave();
    await this.run(StepOp.stop);
    if (this.failure) return;
    const answers = mx.distributed.allSum(mx.array([0], 'int32'), { group: this.group });
    try {
      await answered(answers, 'the stop');
      const count = answers.item();
      answers.dispose();
      if (count !== this.group.size - 1) throw new mx.DistributedError(`[distributed] ${count} of the ${this.group.size - 1} other ranks answered the stop`);
    } catch (error) {
      this.fail(error instanceof Error ? error : new mx.DistributedError(String(error)));
    }
  }

  private async run(op: number): Promise<void> {
    if (this.failure) return;
    const sent = this.announce([op]);
    try {
      await answered(sent, op === StepOp.stop ? 'the stop' : 'a ping');
      sent.dispose();
    } catch (error) {
      // Nothing but the collective ran: whatever failed, the group did. (An abandoned collective
      // keeps its array: the device may still write it.)
      this.fail(error instanceof Error ? error : new mx.DistributedError(String(error)));
    }
  }

  /** Reports a failed collective (once); other errors are the caller's. */
  check(error: unknown): void {
    if (isGroupFailure(error)) this.fail(error as Error);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.onFailure(error);
  }
}
