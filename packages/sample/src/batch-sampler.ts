// Sampling for a batch of independent sequences in one step: each row keeps its own temperature,
// top-p, top-k, min-p and random key sequence, given to the device as per-row arrays. A row draws
// the same tokens as `makeSampler` with the same settings and seed gives it alone: the same
// filters in the same order (top-p → min-p → top-k), the same noise from the same key per step.
import * as mx from '@mlx-ts/core';
import { gumbelArgmax } from './gumbel-draw.js';
import { KeySequence } from './key-sequence.js';
import { logSoftmax } from './log-softmax.js';
import { checkInteger, checkNumber, vocabularySize } from './validate.js';
import { SampleInputError } from './errors.js';

export interface RowSamplerOptions {
  /** 0 (the default) picks the most likely token. */
  temperature?: number;
  /** Nucleus mass; off unless 0 < topP < 1. */
  topP?: number;
  /** Keep the k most likely tokens; 0 (default) turns it off. */
  topK?: number;
  /** Drop tokens less likely than minP × the top token's probability; 0 turns it off. */
  minP?: number;
  /** A private key sequence seeded with this value (else MLX's global sequence, as makeSampler). */
  seed?: number;
}

/** One row's sampling settings and random state; pass the rows of a batch to `sampleRows`. */
export class RowSampler implements Disposable {
  readonly temperature: number;
  readonly topP: number;
  readonly topK: number;
  readonly minP: number;
  readonly #keys: KeySequence | undefined;

  constructor(options: RowSamplerOptions = {}) {
    this.temperature = checkNumber('temperature', options.temperature ?? 0, 0, Number.MAX_VALUE);
    this.topK = checkInteger('topK', options.topK ?? 0, 0);
    this.topP = checkNumber('topP', options.topP ?? 0, 0, 1);
    this.minP = checkNumber('minP', options.minP ?? 0, 0, 1);
    this.#keys = options.seed === undefined ? undefined : new KeySequence(checkInteger('seed', options.seed, 0));
  }

  get greedy(): boolean {
    return this.temperature === 0;
  }

  /**
   * This row's uniform noise for a draw among `candidates` [1, K] (advances its key sequence): a
   * seeded row takes its full row's noise at those ids, so that it draws what it would draw from
   * the whole row; an unseeded one draws K values from MLX's global sequence.
   */
  candidateNoise(candidates: mx.Array, vocabulary: number): mx.Array {
    if (!this.#keys) return mx.random.uniform({ shape: candidates.shape });
    return mx.tidy(() => mx.takeAlongAxis(this.noise(vocabulary), candidates, -1));
  }

  /** This row's uniform noise [1, V] for one draw (advances its key sequence). */
  noise(vocabulary: number): mx.Array {
    if (!this.#keys) return mx.random.uniform({ shape: [1, vocabulary] });
    return mx.tidy(() => mx.random.uniform({ shape: [1, vocabulary], key: this.#keys!.next() }));
  }

  dispose(): void {
    this.#keys?.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

const column = (values: number[]) => mx.reshape(mx.array(values, 'float32'), [values.length, 1]);

/** Top-p with a per-row mass [B, 1] (rows whose mass is off keep every token). */
function topPRows(logprobs: mx.Array, topP: number[]): mx.Array {
  const [batch] = logprobs.shape;
  const sorted = mx.sort(logprobs, -1);
  const sortedProbs = mx.exp(mx.astype(sorted, 'float32'));
  const massAbove = mx.cumsum(sortedProbs, -1, { reverse: true, inclusive: false });
  const first = (a: mx.Array) => mx.slice(a, [0, 0], [batch, 1]);
  const totalMass = mx.add(first(massAbove), first(sortedProbs));
  const numDropped = mx.sum(mx.greaterEqual(massAbove, mx.multiply(totalMass, column(topP))), -1, true);
  const threshold = mx.takeAlongAxis(sorted, numDropped, -1);
  const on = mx.reshape(
    mx.array(
      topP.map((p) => p > 0 && p < 1),
      'bool',
    ),
    [batch, 1],
  );
  return mx.where(mx.logicalAnd(on, mx.less(logprobs, threshold)), -Infinity, logprobs);
}

/** Min-p with a per-row ratio (0 keeps every token: log 0 is -inf). */
function minPRows(logprobs: mx.Array, minP: number[]): mx.Array {
  const top = mx.max(logprobs, -1, true);
  return mx.where(mx.less(logprobs, mx.add(top, mx.log(column(minP)))), -Infinity, logprobs);
}

/** Top-k with a per-row k (0, or k ≥ V, keeps every token): the k-th largest value is each row's bar. */
function topKRows(logprobs: mx.Array, topK: number[]): mx.Array {
  const [batch, vocabulary] = logprobs.shape;
  const descending = mx.negative(mx.sort(mx.negative(logprobs), -1));
  const rank = mx.reshape(
    mx.array(
      topK.map((k) => (k > 0 && k < vocabulary ? k - 1 : vocabulary - 1)),
      'int32',
    ),
    [batch, 1],
  );
  const bar = mx.takeAlongAxis(descending, rank, -1);
  return mx.where(mx.less(logprobs, bar), -Infinity, logprobs);
}

/**
 * The largest top-k for which a step works on candidates only: every filter then runs on [B, K]
 * instead of sorting [B, V] twice (a 262k vocabulary costs two full sorts per row otherwise).
 */
const CANDIDATE_LIMIT = 1024;

/**
 * The same draw as the full path when every sampling row has a top-k of at most K: top-p, min-p
 * and top-k each keep a prefix of the row's tokens in descending order, so what survives all
 * three lies among the K most likely. `fast.logitsTopK` gives those K (ids ascending, so that an
 * exact tie in the draw goes to the lowest id, as an argmax over the whole row does) and the
 * row's log-sum-exp in one pass. Returns [greedy ids, drawn ids], each [B].
 */
function drawFromCandidates(logits: mx.Array, rows: readonly RowSampler[], inverseTemperature: mx.Array): [mx.Array, mx.Array] {
  const [batch, vocabulary] = logits.shape;
  const width = Math.min(vocabulary, Math.max(...rows.map((r) => (r.greedy ? 1 : r.topK))));
  const top = mx.fast.logitsTopK(logits, width);
  const candidates = top.ids;
  const values = mx.subtract(top.values, top.logsumexp);
  const pick = (place: mx.Array) => mx.reshape(mx.takeAlongAxis(candidates, mx.reshape(mx.astype(place, 'int32'), [batch, 1]), -1), [batch]);
  const greedy = pick(mx.argmax(values, -1));
  // Descending order of the candidates, and each candidate's place in it.
  const order = mx.argsort(mx.negative(values), -1);
  const place = mx.argsort(order, -1);
  const descending = mx.takeAlongAxis(values, order, -1);
  let kept = mx.less(
    place,
    mx.reshape(
      mx.array(
        rows.map((r) => (r.greedy ? 1 : Math.min(r.topK, vocabulary))),
        'int32',
      ),
      [batch, 1],
    ),
  );
  if (rows.some((r) => r.topP > 0 && r.topP < 1)) {
    // The mass of the tokens above each one; the row's whole mass is 1 (values are log-probabilities).
    const massAbove = mx.takeAlongAxis(mx.cumsum(mx.exp(descending), -1, { inclusive: false }), place, -1);
    const on = mx.reshape(
      mx.array(
        rows.map((r) => r.topP > 0 && r.topP < 1),
        'bool',
      ),
      [batch, 1],
    );
    kept = mx.logicalAnd(kept, mx.logicalOr(mx.logicalNot(on), mx.less(massAbove, column(rows.map((r) => r.topP)))));
  }
  if (rows.some((r) => r.minP > 0)) {
    const best = mx.slice(descending, [0, 0], [batch, 1]);
    kept = mx.logicalAnd(kept, mx.greaterEqual(values, mx.add(best, mx.log(column(rows.map((r) => r.minP))))));
  }
  const noise = mx.concatenate(
    rows.map((r, i) => (r.greedy ? mx.full([1, width], 0.5, 'float32') : r.candidateNoise(mx.slice(candidates, [i, 0], [i + 1, width]), vocabulary))),
    0,
  );
  const scaled = mx.where(kept, mx.multiply(values, inverseTemperature), -Infinity);
  return [greedy, pick(gumbelArgmax(scaled, noise))];
}

/**
 * Picks one token per row of `logits` [B, V] with `rows[b]`'s settings, in one step on the device:
 * greedy rows take the argmax, the others a Gumbel-max draw from their filtered log-probabilities
 * over their temperature. Returns token ids [B] (int32).
 */
export function sampleRows(logits: mx.Array, rows: readonly RowSampler[]): mx.Array {
  const vocabulary = vocabularySize(logits, 'sampleRows');
  if (logits.shape[0] !== rows.length) throw new SampleInputError(`sampleRows: logits have ${logits.shape[0]} rows but ${rows.length} row samplers were given`);
  return mx.tidy(() => {
    if (rows.every((r) => r.greedy)) return mx.astype(mx.argmax(logits, -1), 'int32');
    // Greedy rows draw no noise (their key sequence, if any, does not advance); 0.5 is a placeholder.
    const noise = () =>
      mx.concatenate(
        rows.map((r) => (r.greedy ? mx.full([1, vocabulary], 0.5, 'float32') : r.noise(vocabulary))),
        0,
      );
    const inverseTemperature = column(rows.map((r) => (r.greedy ? 1 : 1 / r.temperature)));
    const isGreedy = mx.array(
      rows.map((r) => r.greedy),
      'bool',
    );
    if (rows.every((r) => r.greedy || (r.topK > 0 && r.topK <= CANDIDATE_LIMIT))) {
      const [best, drawn] = drawFromCandidates(logits, rows, inverseTemperature);
      return mx.where(isGreedy, best, drawn);
    }
    const greedy = mx.astype(mx.argmax(logits, -1), 'int32');
    let logprobs = logSoftmax(logits);
    if (rows.some((r) => r.topP > 0 && r.topP < 1))
      logprobs = topPRows(
        logprobs,
        rows.map((r) => r.topP),
      );
    if (rows.some((r) => r.minP > 0))
      logprobs = minPRows(
        logprobs,
        rows.map((r) => r.minP),
      );
    if (rows.some((r) => r.topK > 0 && r.topK < vocabulary))
      logprobs = topKRows(
        logprobs,
        rows.map((r) => r.topK),
      );
    const drawn = mx.astype(gumbelArgmax(mx.multiply(logprobs, inverseTemperature), noise()), 'int32');
    return mx.where(isGreedy, greedy, drawn);
  });
}
