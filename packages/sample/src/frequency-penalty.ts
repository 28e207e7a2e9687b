// Frequency penalty (OpenAI's definition, as mlx_lm.sample_utils.make_frequency_penalty).
import * as mx from '@mlx-ts/core';
import { WindowedPenalty } from './windowed-penalty.js';

/** logit −= penalty × (occurrences among the last `contextSize`). */
export class FrequencyPenalty extends WindowedPenalty {
  readonly penalty: number;

  constructor(penalty: number, contextSize = 20) {
    super('frequencyPenalty', contextSize);
    this.penalty = penalty;
  }

  protected penalize(selected: mx.Array, window: mx.Array): mx.Array {
    // Occurrences of each window entry within the window: a [B, n, n] comparison, n ≤ contextSize.
    const counts = mx.sum(mx.equal(mx.expandDims(window, 2), mx.expandDims(window, 1)), 2);
    return mx.subtract(selected, mx.astype(mx.multiply(counts, this.penalty), selected.dtype));
  }
}
