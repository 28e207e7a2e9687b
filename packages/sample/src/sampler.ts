// makeSampler: mlx-lm's make_sampler, on the device, with an optional private seed.
import * as mx from '@mlx-ts/core';
import { gumbelArgmax, gumbelArgmaxTopK } from './gumbel-draw.js';
import { KeySequence } from './key-sequence.js';
import { logSoftmax } from './log-softmax.js';
import { applyMinP } from './min-p.js';
import { applyTopP } from './top-p.js';
import { checkInteger, checkNumber, checkTokenIds, vocabularySize } from './validate.js';
import { applyXtcWithDraw } from './xtc.js';

/** Picks one token per row: logits [B, V] in, token ids [B] (int32) out, all on the device. */
export type Sampler = (logits: mx.Array) => mx.Array;

/** What makeSampler returns: a Sampler that can free its private random key. */
export type DisposableSampler = Sampler & Disposable & { dispose(): void };

export interface SamplerOptions {
  /** 0 (the default) picks the most likely token (argmax); otherwise logits are divided by it before drawing. */
  temperature?: number;
  /** Keep the k most likely tokens; 0 (default) turns it off. */
  topK?: number;
  /** Nucleus sampling: keep the most likely tokens holding this much mass; off unless 0 < topP < 1. */
  topP?: number;
  /** Drop tokens less likely than minP × the top token's probability; 0 (default) turns it off. */
  minP?: number;
  /** Tokens min-p always keeps (default 1). */
  minTokensToKeep?: number;
  /** XTC: chance per step to remove the top choices; 0 (default) turns it off. */
  xtcProbability?: number;
  /** XTC: probability above which a token counts as a top choice (default 0.1, at most 0.5). */
  xtcThreshold?: number;
  /** XTC: token ids never removed (e.g. end of sequence, newline). */
  xtcSpecialTokens?: readonly number[];
  /**
   * Draw from a private key sequence seeded with this value: the same seed gives the same tokens
   * whatever else in the process uses randomness. Without it the sampler draws from MLX's global
   * sequence (`mx.random.seed`), as mlx-lm does.
   */
  seed?: number;
}

type Filter = (logprobs: mx.Array, xtcDraw: mx.Array | undefined) => mx.Array;

function greedy(logits: mx.Array): mx.Array {
  vocabularySize(logits, 'sampler');
  // Two ops: freeing the intermediate by hand costs less than a tidy scope, per token.
  const index = mx.argmax(logits, -1);
  try {
    return mx.astype(index, 'int32');
  } finally {
    index.dispose();
  }
}

function disposable(sampler: Sampler, dispose: () => void): DisposableSampler {
  return Object.assign(sampler, { dispose, [Symbol.dispose]: dispose });
}

/**
 * Builds a sampler. With temperature 0 it is argmax. Otherwise, as mlx-lm's make_sampler, the
 * logits become log-probabilities (logits − logsumexp) and the enabled filters run in this fixed
 * order: top-p → min-p → XTC → top-k, then a token is drawn from softmax(logprobs / temperature)
 * (Gumbel-max, `mx.random.categorical`). Each filter sees what the previous one left: top-p
 * measures mass among surviving tokens, top-k ranks them.
 *
 * Random draws per step: one for XTC (when enabled), then one for the token — the same sequence
 * mlx-lm consumes, so a seeded sampler reproduces mlx-lm after `mx.random.seed(seed)`.
 */
export function makeSampler(options: SamplerOptions = {}): DisposableSampler {
  const temperature = checkNumber('temperature', options.temperature ?? 0, 0, Number.MAX_VALUE);
  const topK = checkInteger('topK', options.topK ?? 0, 0);
  const topP = checkNumber('topP', options.topP ?? 0, 0, 1);
  const minP = checkNumber('minP', options.minP ?? 0, 0, 1);
  const minTokensToKeep = checkInteger('minTokensToKeep', options.minTokensToKeep ?? 1, 1);
  const xtcProbability = checkNumber('xtcProbability', options.xtcProbability ?? 0, 0, 1);
  const xtcThreshold = checkNumber('xtcThreshold', options.xtcThreshold ?? 0.1, 0, 0.5);
  const xtcSpecialTokens = checkTokenIds('xtcSpecialTokens', options.xtcSpecialTokens ?? []);
  const seed = options.seed === undefined ? undefined : checkInteger('seed', options.seed, 0);

  if (temperature === 0)
    return disposable(
      (logits) => greedy(logits),
      () => {},
    );

  const filters: Filter[] = [];
  if (topP > 0 && topP < 1) filters.push((lp) => applyTopP(lp, topP));
  if (minP !== 0) filters.push((lp) => applyMinP(lp, minP, minTokensToKeep));
  const xtc = xtcProbability > 0;
  if (xtc) {
    const xtcOptions = { probability: xtcProbability, threshold: xtcThreshold, specialTokens: xtcSpecialTokens };
    filters.push((lp, xtcDraw) => applyXtcWithDraw(lp, xtcDraw!, xtcOptions));
  }
  const inverseTemperature = 1 / temperature;

  // One pure function of (logits, token noise[, XTC draw]) per step, compiled: MLX fuses its
  // element-wise chains (the log-softmax subtraction, the filters' masks, the gumbel noise) into
  // single passes, as mlx-lm's compiled filters and categorical_sampling.
  const tokenOf = (logits: mx.Array, uniform: mx.Array, xtcDraw: mx.Array | undefined): mx.Array => {
    let logprobs = logSoftmax(logits);
    for (const filter of filters) logprobs = filter(logprobs, xtcDraw);
    const vocabulary = logits.shape[1];
    // Top-k comes last, so the draw only needs its k candidates (k ≥ V keeps every token).
    const token =
      topK > 0 && topK < vocabulary
        ? gumbelArgmaxTopK(logprobs, topK, inverseTemperature, uniform)
        : gumbelArgmax(mx.multiply(logprobs, inverseTemperature), uniform);
    return mx.astype(token, 'int32');
  };
  // The noise mx.random.categorical would draw: uniform [B, V] float32 from the same key.
  const noise = (logits: mx.Array, key?: mx.Array) => mx.random.uniform({ shape: logits.shape, key });

  if (seed === undefined) {
    // MLX's global sequence cannot be a compiled input: the draws happen outside, in the order
    // mlx-lm consumes them (XTC, then the token).
    const step = mx.compile((logits: mx.Array, uniform: mx.Array, xtcDraw?: mx.Array) => tokenOf(logits, uniform, xtcDraw));
    const sample = (logits: mx.Array): mx.Array => {
      vocabularySize(logits, 'sampler');
      return mx.tidy(() => {
        if (!xtc) return step(logits, noise(logits));
        const xtcDraw = mx.random.uniform();
        return step(logits, noise(logits), xtcDraw);
      });
    };
    return disposable(sample, () => step.dispose());
  }

  // Seeded: the keys are inputs, so the uniform noise is generated inside the fused step too.
  const keys = new KeySequence(seed);
  const step = mx.compile((logits: mx.Array, tokenKey: mx.Array, xtcKey?: mx.Array) =>
    tokenOf(logits, noise(logits, tokenKey), xtcKey && mx.random.uniform({ key: xtcKey })),
  );
  const sample = (logits: mx.Array): mx.Array => {
    vocabularySize(logits, 'sampler');
    return mx.tidy(() => {
      if (!xtc) return step(logits, keys.next());
      const xtcKey = keys.next();
      return step(logits, keys.next(), xtcKey);
    });
  };
  return disposable(sample, () => {
    step.dispose();
    keys.dispose();
  });
}
