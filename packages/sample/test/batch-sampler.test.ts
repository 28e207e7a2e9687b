// sampleRows draws, for every row of a batch with its own settings and seed, the tokens that
// makeSampler (checked against mlx-lm's make_sampler in sampler.test.ts) draws for that row alone.
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { RowSampler, type RowSamplerOptions, SampleInputError, makeSampler, sampleRows } from '../src/index.js';
import { type Row, ids, loadFixture, matrix } from './fixtures.js';

const fixture = loadFixture<{ logits: Row[] }>('sampling-samplers.json');
const STEPS = 12;

const settings: RowSamplerOptions[] = [
  { temperature: 0 },
  { temperature: 1, seed: 0 },
  { temperature: 0.7, seed: 7 },
  { temperature: 1.3, topK: 10, seed: 12345 },
  { temperature: 1, topP: 0.9, seed: 7 },
  { temperature: 0.8, minP: 0.1, seed: 0 },
  { temperature: 0.9, topK: 20, topP: 0.95, minP: 0.02, seed: 3 },
  { temperature: 0, topK: 5 },
];

function alone(options: RowSamplerOptions, row: Row): number[] {
  using sampler = makeSampler(options);
  return mx.tidy(() => {
    const logits = matrix([row]);
    return Array.from({ length: STEPS }, () => ids(sampler(logits))[0]);
  });
}

describe('sampleRows: per-row settings in one step', () => {
  it('gives every row the tokens makeSampler gives it alone (mixed greedy and seeded rows)', () => {
    const rowLogits = settings.map((_, i) => fixture.logits[i % fixture.logits.length]);
    const expected = settings.map((s, i) => alone(s, rowLogits[i]));
    const before = mx.liveArrayCount();
    const rows = settings.map((s) => new RowSampler(s));
    const drawn: number[][] = settings.map(() => []);
    mx.tidy(() => {
      const logits = matrix(rowLogits);
      for (let step = 0; step < STEPS; step++) ids(sampleRows(logits, rows)).forEach((t, i) => drawn[i].push(t));
    });
    for (const r of rows) r.dispose();
    expect(mx.liveArrayCount()).toBe(before);
    expect(drawn).toEqual(expected);
    // The draws are not all the same token: the seeded rows really sample.
    expect(new Set(drawn[1]).size).toBeGreaterThan(1);
  });

  it('a row draws the same tokens whatever rows run beside it', () => {
    const target = { temperature: 1, topP: 0.9, seed: 99 };
    const expected = alone(target, fixture.logits[2]);
    for (const others of [[], [{ temperature: 0.5 }], [{ temperature: 2, seed: 1 }, { temperature: 0 }, { temperature: 1, topK: 3 }]]) {
      const rows = [...others.map((o) => new RowSampler(o)), new RowSampler(target)];
      const got = mx.tidy(() => {
        const logits = matrix([...others.map((_, i) => fixture.logits[i]), fixture.logits[2]]);
        return Array.from({ length: STEPS }, () => ids(sampleRows(logits, rows)).at(-1)!);
      });
      expect(got).toEqual(expected);
      for (const r of rows) r.dispose();
    }
  });

  it('rows that all have a top-k draw from their candidates only, as makeSampler draws from the whole row', () => {
    // A wide, peaked vocabulary, so that top-p and min-p cut inside the top-k candidates for some
    // rows and not for others.
    const width = 4096;
    let state = 11;
    const wide = (shift: number): Row =>
      Array.from({ length: width }, (_, i) => {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        return (state / 2 ** 32) * 6 - (i % 97 === shift ? 0 : 4);
      });
    const topKSettings: RowSamplerOptions[] = [
      { temperature: 1, topK: 40, seed: 5 },
      { temperature: 0 },
      { temperature: 0.8, topK: 64, topP: 0.95, seed: 9 },
      { temperature: 1.2, topK: 7, minP: 0.05, seed: 21 },
      { temperature: 1, topK: 200, topP: 0.5, minP: 0.01, seed: 2 },
    ];
    const rowLogits = topKSettings.map((_, i) => wide(i * 13));
    const expected = topKSettings.map((s, i) => alone(s, rowLogits[i]));
    const rows = topKSettings.map((s) => new RowSampler(s));
    const drawn: number[][] = topKSettings.map(() => []);
    mx.tidy(() => {
      const logits = matrix(rowLogits);
      for (let step = 0; step < STEPS; step++) ids(sampleRows(logits, rows)).forEach((t, i) => drawn[i].push(t));
    });
    for (const r of rows) r.dispose();
    expect(drawn).toEqual(expected);
    expect(new Set(drawn[4]).size).toBeGreaterThan(1);
  });

  it('refuses a row count that does not match the logits', () => {
    const rows = [new RowSampler()];
    expect(() => mx.tidy(() => sampleRows(matrix(fixture.logits.slice(0, 2)), rows))).toThrow(SampleInputError);
    expect(() => new RowSampler({ temperature: -1 })).toThrow(/temperature/);
  });
});
