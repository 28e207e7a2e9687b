// The GPU's decode path, taken on this machine: dense weights kept [out, in] and multiplied
// through a transposed view, q/k/v and gate/up stacked into one projection each, and a decode
// step's heads from mx.fast.ropeHeads (one CUDA kernel on a GPU; MLX's ops here). Every
// architecture that can take it (stacked q/k/v without bias, a fixed RoPE) must still match its
// transformers reference, prefill, batch and decode, as the default path does (architectures.test.ts).
import { afterAll, beforeAll } from 'vitest';
import * as mx from '@mlx-ts/core';
import { float32Tolerance } from './helpers/tolerance.js';
import { describeParity, type ParityCase, printReport } from './helpers/parity.js';

const settings: Record<string, string> = { MLX_TS_WEIGHT_LAYOUT: 'out-in', MLX_TS_STACKED_PROJECTIONS: '1', MLX_TS_FUSED_HEADS: '1' };
const saved = Object.fromEntries(Object.keys(settings).map((name) => [name, process.env[name]]));
// Registered before the parity suites' own hooks, so the models load under these settings.
beforeAll(() => Object.assign(process.env, settings));
afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const report: ParityCase['report'] = new Map();
afterAll(() => printReport(report));

// The fused heads run where the RoPE is a fixed mx.fast.rope and q/k/v stack (no biases): gemma2
// (sandwich norms, soft-capping), mixtral, qwen3_moe (q/k norms); Gemma 3 in
// weight-layout.test.ts. The others keep MLX's ops for their heads (llama's attention biases,
// mistral's dynamic NTK, qwen3's YaRN and phi3's longrope scale) and check the rest of the path.
for (const name of ['llama', 'mistral', 'qwen3', 'gemma2', 'phi3', 'mixtral', 'qwen3_moe']) {
  describeParity({
    model: `tiny-${name}`,
    fixture: `tiny-${name}-reference.json`,
    modelType: name,
    load: { dtype: 'float32', keepQuantized: false },
    tolerance: float32Tolerance('logits', mx.defaultDevice()),
    report,
  });
}
