// The engine with quantized KV caches (kvBits, as mlx-lm's --kv-bits) on tiny random models in
// float32: 8-bit greedy tokens against mlx-lm's with kv_bits from the first token
// (fixtures/kv-quantized-reference.json, tools/fixtures/kv-quantized.py), where its tokens with
// plain caches differ; and requests in one batch give the tokens each gives alone. (The cache's
// own tests check every bit width exactly against MLX's quantize/dequantize.)
import { describe, expect, it } from 'vitest';
import { MlxBackend } from '../src/index.js';
import { readJson, requireModelData } from './helpers.js';

interface Case {
  model: string;
  bits: number;
  groupSize: number;
  promptIds: number[];
  quantized: number[];
  plain: number[];
}
const reference = readJson<{ maxTokens: number; cases: Case[] }>(`${import.meta.dirname}/fixtures/kv-quantized-reference.json`);
const settings = [...new Set(reference.cases.map((c) => `${c.model} ${c.bits} ${c.groupSize}`))];

describe.each(settings)('kvBits on %s', (setting) => {
  const [model, bits, groupSize] = setting.split(' ');
  const cases = reference.cases.filter((c) => `${c.model} ${c.bits} ${c.groupSize}` === setting);

  it("gives mlx-lm's greedy tokens with quantized caches, alone and side by side in one batch", async () => {
    await using backend = await MlxBackend.load(requireModelData(model!), { dtype: 'float32', kvBits: Number(bits), kvGroupSize: Number(groupSize) });
    const options = { maxTokens: reference.maxTokens, ignoreEos: true };
    const alone = [];
    for (const c of cases) alone.push((await backend.generate(c.promptIds, options)).tokenIds);
    expect(alone).toEqual(cases.map((c) => c.quantized));
    const together = await Promise.all(cases.map((c) => backend.generate(c.promptIds, options)));
    expect(together.map((r) => r.tokenIds)).toEqual(alone);
  });
});

it('the reference tells quantized caches apart: some cases differ from the plain tokens', () => {
  expect(reference.cases.some((c) => c.quantized.join() !== c.plain.join())).toBe(true);
});

it('bits MLX cannot pack are refused when the backend loads', async () => {
  await expect(MlxBackend.load(requireModelData('tiny-qwen3'), { dtype: 'float32', kvBits: 7 })).rejects.toThrow(/bits must be one of 2, 3, 4, 5, 6, 8/);
});
