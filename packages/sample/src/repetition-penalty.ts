// Repetition penalty (Keskar et al. 2019, as mlx_lm.sample_utils.make_repetition_penalty).
import * as mx from '@mlx-ts/core';
import { WindowedPenalty } from './windowed-penalty.js';

/**
 * For each token among the last `contextSize`: a positive logit is divided by the penalty, a
 * negative one multiplied by it, so a penalty above 1 always makes the token less likely.
 * Applied once per distinct token, however often it occurred.
 */
export class RepetitionPenalty extends WindowedPenalty {
  readonly penalty: number;

  constructor(penalty: number, contextSize = 20) {
    super('repetitionPenalty', contextSize);
    this.penalty = penalty;
  }

  protected penalize(selected: mx.Array): mx.Array {
    return mx.where(mx.less(selected, 0), mx.multiply(selected, this.penalty), mx.divide(selected, this.penalty));
  }
}
