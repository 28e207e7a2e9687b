// Tensor parallelism over MLX's ring backend: two real Node processes on 127.0.0.1 each load
// half of the attention heads and MLP columns of a tiny model; their logits and greedy tokens
// must be those of the single-process model (itself checked against transformers elsewhere).
import { fileURLToPath } from 'node:url';
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { float32Tolerance } from './helpers/tolerance.js';
import { requireModelData } from './helpers/model-data.js';
import { lastJson, runNode, runRing } from './helpers/ring.js';

const script = fileURLToPath(new URL('./helpers/tensor-parallel-rank.mjs', import.meta.url));
// 40 tokens: longer than tiny Gemma 3's sliding window of 16.
const prompt = Array.from({ length: 40 }, (_, i) => (i * 37 + 11) % 500);
const STEPS = 12;

interface RankOutput {
  rank: number;
  size: number;
  weightBytes: number;
  activeBytes: number;
  prefill: string;
  tokens: number[];
}

function floats(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

const tensorCases = ['tiny-llama', 'tiny-gemma3', 'tiny-qwen3-mlx-4bit', 'tiny-phi3', 'tiny-qwen3_moe', 'tiny-mixtral', 'tiny-qwen3.gguf'].map(
  (name) => [name, 'tensor', 2] as const,
);
const pipelineCases = ['tiny-llama', 'tiny-gemma3', 'tiny-qwen3-mlx-4bit'].map((name) => [name, 'pipeline', 2] as const);
// Four ranks over two key/value heads: pairs of ranks share a head, each holding a copy.
const sharedKvCases = [['tiny-gemma3', 'tensor', 4] as const];
// Three stages of tiny Gemma 3's seven layers (3, 2, 2): the middle rank receives and sends.
const threeStageCases = [['tiny-gemma3', 'pipeline', 3] as const];

describe.each([...tensorCases, ...pipelineCases, ...sharedKvCases, ...threeStageCases])(
  '%s split (%s parallelism) over a ring of %i processes',
  (name, parallelism, size) => {
    it('gives the single-process logits and greedy tokens on both ranks, each holding a part of the weights', async () => {
      const path = requireModelData(name);
      const args = [path, JSON.stringify(prompt), String(STEPS), parallelism];
      const single = await runNode(script, args, {});
      expect(single.status, single.stderr).toBe(0);
      const reference = lastJson<RankOutput>(single);
      const ranks = await runRing(script, args, size);
      const expected = floats(reference.prefill);
      for (const r of ranks) {
        expect(r.status, r.stderr).toBe(0);
        const out = lastJson<RankOutput>(r);
        expect(out.rank).toBe(r.rank);
        expect(out.size).toBe(size);
        const diff = maxAbsDiff(floats(out.prefill), expected);
        console.log(
          `${name} ${parallelism} rank ${out.rank}: max |logit diff| ${diff.toExponential(2)}, weights ${out.weightBytes} of ${reference.weightBytes} bytes (${((100 * out.weightBytes) / reference.weightBytes).toFixed(1)}%), MLX active memory ${out.activeBytes} of ${reference.activeBytes}`,
        );
        expect(diff).toBeLessThan(float32Tolerance('logits', mx.defaultDevice()));
        expect(out.tokens).toEqual(reference.tokens);
        if (size === 3) {
          expect(out.weightBytes).toBeLessThan(reference.weightBytes * 0.7);
        } else if (size === 4) {
          // A quarter of everything but the key/value projections, of which each rank has half.
          expect(out.weightBytes).toBeLessThan(reference.weightBytes * 0.35);
        } else if (parallelism === 'tensor') {
          // Norms and routers are replicated; everything else is split in two.
          expect(out.weightBytes).toBeLessThan(reference.weightBytes * 0.55);
          expect(out.activeBytes).toBeLessThan(reference.activeBytes * 0.6);
        } else {
          // Each rank has its stage of layers; the embedding is on every rank, the head on the last.
          expect(out.weightBytes).toBeLessThan(reference.weightBytes * 0.8);
          expect(out.activeBytes).toBeLessThan(reference.activeBytes * 0.85);
        }
      }
    });
  },
);

describe('a model that cannot be split over the group', () => {
  it('fails to load on every rank with a ModelLoadError naming the heads, instead of computing nonsense', async () => {
    // Tiny Llama has 4 query heads: three ranks cannot share them evenly.
    const ranks = await runRing(script, [requireModelData('tiny-llama'), JSON.stringify(prompt), '1', 'tensor'], 3);
    for (const r of ranks) {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('its 4 query and 2 key/value heads cannot be split over 3 ranks');
    }
  });
});
