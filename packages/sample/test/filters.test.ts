import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { applyMinP, applyTopK, applyTopP, applyXtc, logSoftmax } from '../src/index.js';
import { type Row, expectRowsClose, loadFixture, matrix } from './fixtures.js';

interface FilterCase {
  filter: 'topK' | 'topP' | 'minP' | 'xtc';
  params: Record<string, number & number[]>;
  output: Row[];
}
const fixture = loadFixture<{ logits: Row[]; logprobs: Row[]; cases: FilterCase[] }>('sampling-filters.json');

function run(c: FilterCase, logprobs: mx.Array): mx.Array {
  const p = c.params;
  switch (c.filter) {
    case 'topK':
      return applyTopK(logprobs, p.topK);
    case 'topP':
      return applyTopP(logprobs, p.topP);
    case 'minP':
      return applyMinP(logprobs, p.minP, p.minTokensToKeep);
    case 'xtc':
      return applyXtc(logprobs, { probability: p.xtcProbability, threshold: p.xtcThreshold, specialTokens: p.xtcSpecialTokens });
  }
}

describe('filters match mlx_lm.sample_utils on fixed logits (4 random rows + a row with ties)', () => {
  it("log-softmax equals generate_step's logits - logsumexp", () => {
    mx.tidy(() => expectRowsClose(logSoftmax(matrix(fixture.logits)), fixture.logprobs, 0));
  });

  for (const c of fixture.cases) {
    it(`${c.filter} ${JSON.stringify(c.params)}`, () => {
      mx.tidy(() => expectRowsClose(run(c, matrix(fixture.logprobs)), c.output));
    });
  }

  it('covers every filter', () => {
    expect(new Set(fixture.cases.map((c) => c.filter))).toEqual(new Set(['topK', 'topP', 'minP', 'xtc']));
  });
});
