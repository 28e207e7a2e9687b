// The other ranks' side of distributed inference (see step-broadcast): receive each step rank 0
// announces, apply the same cache row operations and run the same forward pass (and the same
// unembedding, whose vocabulary is split too), discard the output. Nothing is sampled here: the
// logits are the same on every rank after the model's all-sums, and rank 0 samples.
import * as mx from '@mlx-ts/core';
import { BatchKVCache } from '@mlx-ts/cache';
import type { LanguageModel } from '@mlx-ts/models';
import { filterRows } from './batch-scheduler.js';
import { HEADER_LENGTH, STEP_MAGIC, StepOp } from './step-broadcast.js';

export interface FollowOptions {
  /** As rank 0's: the caches must be of the same kind on every rank. */
  kvBits?: number;
  kvGroupSize?: number;
}

/** Rank 0's contribution is the data; ours is zeros (or, answering the stop, a 1). */
async function receive(length: number, group: mx.distributed.Group, contribution = 0): Promise<Int32Array> {
  const summed = mx.tidy(() => mx.distributed.allSum(mx.full([length], contribution, 'int32'), { group }));
  try {
    await mx.asyncEval(summed);
    return summed.toTypedArray() as Int32Array;
  } finally {
    summed.dispose();
  }
}

/** One forward pass on `caches`, as rank 0 runs it; with `logits`, the last position is unembedded as rank 0 samples it. */
async function run(model: LanguageModel, caches: BatchKVCache[], ids: Int32Array, shape: [number, number], logits: boolean): Promise<void> {
  const out = mx.tidy(() => {
    const hidden = model.forward(mx.array(ids, 'int32', shape), caches);
    if (!logits) return hidden;
    const [batch, length, width] = hidden.shape;
    return model.unembed(length > 1 ? mx.slice(hidden, [0, length - 1, 0], [batch, length, width]) : hidden);
  });
  try {
    await mx.asyncEval(
      out,
      caches.flatMap((c) => [...c.state]),
    );
  } finally {
    out.dispose();
  }
}

/**
 * Follows rank 0's steps until it stops (resolves) or the group fails (rejects with a
 * DistributedError). The model must be loaded over `group` as rank 0's is.
 */
export async function followSteps(model: LanguageModel, group: mx.distributed.Group, options: FollowOptions = {}): Promise<void> {
  const template = model.makeCache();
  const windows = template.map((cache) => cache.maxSize);
  for (const cache of template) cache.dispose();
  const make = () => windows.map((windowSize) => new BatchKVCache({ windowSize, bits: options.kvBits, groupSize: options.kvGroupSize }));
  let batch = make();
  let prefill: BatchKVCache[] | undefined;
  const disposePrefill = () => {
    for (const cache of prefill ?? []) cache.dispose();
    prefill = undefined;
  };
  try {
    for (;;) {
      const header = await receive(HEADER_LENGTH, group);
      if (header[0] !== STEP_MAGIC) {
        throw new mx.DistributedError(
          `rank ${group.rank} received a step header that is not mlx-ts's (${[...header].join(', ')}): every rank must run the same mlx-ts version and command`,
        );
      }
      const [, op, a, b, c, d, length] = header;
      const payload = length > 0 ? await receive(length, group) : new Int32Array(0);
      if (op === StepOp.stop) {
        // Rank 0 and the other ranks leave once every answer is in: that is the stop, not a failure.
        mx.distributed.expectPeersToLeave();
        await receive(1, group, 1);
        return;
      }
      if (op === StepOp.ping) continue;
      if (op === StepOp.prefill) {
        if (a === 1 || !prefill) {
          disposePrefill();
          prefill = make();
        }
        await run(model, prefill, payload, [1, length], b === 1);
      } else if (op === StepOp.decode) {
        if (a === 0) {
          if (batch.some((cache) => cache.batchSize > 0)) for (const cache of batch) cache.reset();
        } else if (b >= 0) {
          const keep = Array.from(payload.subarray(0, b));
          filterRows(batch, keep);
        }
        if (c > 0) {
          const joining = prefill!;
          for (let j = 0; j < c; j++) batch.forEach((cache, layer) => cache.extend(joining[layer]));
          disposePrefill();
        }
        await run(model, batch, payload.subarray(Math.max(b, 0)), [d, 1], true);
      } else {
        throw new mx.DistributedError(`rank ${group.rank} received an unknown step (op ${op}) from rank 0`);
      }
    }
  } finally {
    disposePrefill();
    for (const cache of batch) cache.dispose();
    batch = [];
  }
}
