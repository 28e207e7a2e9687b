// Presence penalty (OpenAI's definition, as mlx_lm.sample_utils.make_presence_penalty).
import * as mx from '@mlx-ts/core';
import { WindowedPenalty } from './windowed-penalty.js';

/** logit −= penalty for every token present among the last `contextSize` (once, however often). */
export class PresencePenalty extends WindowedPenalty {
  readonly penalty: number;

  constructor(penalty: number, contextSize = 20) {
    super('presencePenalty', contextSize);
    this.penalty = penalty;
  }

  protected penalize(selected: mx.Array): mx.Array {
    return mx.subtract(selected, this.penalty);
  }
}
