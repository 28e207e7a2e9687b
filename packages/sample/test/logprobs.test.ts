import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { SampleInputError, logprobs } from '../src/index.js';
import { type Row, expectRowsClose, ids, loadFixture, matrix } from './fixtures.js';

const fixture = loadFixture<{
  logits: Row[];
  logprobsMlx: Row[];
  logprobsFloat64: number[][];
  chosen: { tokens: number[]; logprob: number[] }[];
  top: { topN: number; ids: number[][]; values: number[][] }[];
}>('sampling-logprobs.json');

const values = (a: mx.Array) => Array.from(a.toTypedArray() as Float32Array);

describe('logprobs', () => {
  it("gives the chosen tokens' log-softmax, as mlx (exactly) and numpy float64 (1e-6)", () => {
    mx.tidy(() => {
      const logits = matrix(fixture.logits);
      for (const c of fixture.chosen) {
        const { logprob, top } = logprobs(logits, mx.array(c.tokens, 'int32'));
        expect(top).toBeUndefined();
        expect(logprob.shape).toEqual([c.tokens.length]);
        expect(values(logprob)).toEqual(c.logprob.map(Math.fround));
        const float64 = c.tokens.map((t, row) => fixture.logprobsFloat64[row][t]);
        values(logprob).forEach((v, i) => expect(Math.abs(v - float64[i])).toBeLessThanOrEqual(1e-6));
      }
    });
  });

  it('matches numpy float64 log-softmax over the whole vocabulary within 1e-6', () => {
    mx.tidy(() => {
      const { top } = logprobs(matrix(fixture.logits), mx.zeros([5], 'int32'), 64);
      const rows = ids(top!.ids);
      const vals = values(top!.values);
      rows.forEach((id, i) => expect(Math.abs(vals[i] - fixture.logprobsFloat64[Math.floor(i / 64)][id])).toBeLessThanOrEqual(1e-6));
      expectRowsClose(matrix(fixture.logprobsMlx), fixture.logprobsFloat64, 1e-6);
    });
  });

  for (const t of fixture.top) {
    it(`top ${t.topN}: most likely first, ties by the lower id (row 5 has a three-way tie)`, () => {
      mx.tidy(() => {
        const { top } = logprobs(matrix(fixture.logits), mx.zeros([5], 'uint32'), t.topN);
        expect(top!.ids.shape).toEqual([5, t.topN]);
        expect(ids(top!.ids)).toEqual(t.ids.flat());
        expect(values(top!.values)).toEqual(t.values.flat().map(Math.fround));
      });
    });
  }

  it('rejects a token count that does not match the batch and a bad topN', () => {
    mx.tidy(() => {
      const logits = matrix(fixture.logits);
      expect(() => logprobs(logits, mx.zeros([2], 'int32'))).toThrow(SampleInputError);
      expect(() => logprobs(logits, mx.zeros([5], 'int32'), 0)).toThrow(/topN must be a positive integer/);
    });
  });
});
