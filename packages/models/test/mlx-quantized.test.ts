// MLX-quantized tiny models (mlx_lm.convert -q, one with per-layer mixed 3/6-bit overrides) kept
// quantized as mlx-lm runs them, against mlx-lm's own logits (tools/fixtures/models/make-tiny-mlx-reference.py).
import * as mx from '@mlx-ts/core';
import { afterAll } from 'vitest';
import { float32Tolerance } from './helpers/tolerance.js';
import { describeParity, type ParityCase, printReport } from './helpers/parity.js';

const report: ParityCase['report'] = new Map();
afterAll(() => printReport(report));

for (const [model, modelType] of [
  ['tiny-llama-mlx-mixed-3-6', 'llama'],
  ['tiny-qwen3-mlx-4bit', 'qwen3'],
]) {
  describeParity({
    model,
    fixture: `${model}-reference.json`,
    modelType,
    load: { dtype: 'float32', keepQuantized: true },
    tolerance: float32Tolerance('logits', mx.defaultDevice()),
    report,
  });
}
