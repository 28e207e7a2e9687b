// One runner for every architecture: a tiny random model with that architecture's features
// switched on (tools/fixtures/models/make-tiny-models.py) against transformers + torch in float32
// (tools/fixtures/models/make-tiny-models-reference.py): the logits of a 40-token prompt without a
// cache, then prefill + 20 single-token decode steps through our caches, within 1e-4 (exact
// float32; with TF32 products, ../../mlx-core/test/helpers/tolerance.ts); the greedy
// 32-token continuation identical.
import { afterAll } from 'vitest';
import * as mx from '@mlx-ts/core';
import { float32Tolerance } from './helpers/tolerance.js';
import { describeParity, type ParityCase, printReport } from './helpers/parity.js';

const report: ParityCase['report'] = new Map();
afterAll(() => printReport(report));

for (const name of ['llama', 'mistral', 'qwen2', 'qwen3', 'gemma2', 'phi3', 'mixtral', 'qwen3_moe']) {
  describeParity({
    model: `tiny-${name}`,
    fixture: `tiny-${name}-reference.json`,
    modelType: name,
    load: { dtype: 'float32', keepQuantized: false },
    tolerance: float32Tolerance('logits', mx.defaultDevice()),
    report,
  });
}
