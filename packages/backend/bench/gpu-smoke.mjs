// Checks one of the GPU's fused kernels against MLX ops doing the same work, before a bench relies
// on it. `node gpu-smoke.mjs norm`: mx.fast.residualRmsNorm (one CUDA kernel) against rms_norm +
// add + rms_norm at model widths. `node gpu-smoke.mjs attention`: single-query attention at head
// dim 256 (the addon's CUDA kernel) against a float32 softmax of matrix products, at Gemma 3's
// head layouts and cache lengths that split the keys or not. `node gpu-smoke.mjs rope`:
// mx.fast.rmsNormRope (one CUDA kernel) against rms_norm, a transpose and rope. `node
// gpu-smoke.mjs heads`: mx.fast.ropeHeads (one CUDA kernel) against a split, rms_norm, transposes
// and rope. `node gpu-smoke.mjs matvec`: mx.fast.matVec (the addon's kernel) against a float32 matmul. Each in
// bfloat16 and float32. Prints one JSON line; exits 1 when the kernel fails or disagrees.
import * as mx from '@mlx-ts/core';

const which = process.argv[2] ?? 'norm';
const checks = [];
let ok = true;
const diff = (a, b) => mx.max(mx.abs(mx.subtract(mx.astype(a, 'float32'), mx.astype(b, 'float32')))).item();
const size = (a) => mx.max(mx.abs(mx.astype(a, 'float32'))).item();
const make = (shape, seed, dtype) => mx.astype(mx.random.normal({ shape, key: mx.random.key(seed) }), dtype);

function check(params, run, relative) {
  try {
    const result = mx.tidy(run);
    const pass = Object.entries(result.diffs).every(([name, d]) => d <= relative * result.scales[name]);
    ok &&= pass;
    checks.push({ ...params, ...result, pass });
  } catch (error) {
    ok = false;
    checks.push({ ...params, error: String(error?.message ?? error) });
  }
}

function normChecks(dtype) {
  for (const [rows, width] of [
    [1, 640],
    [4, 1152],
    [32, 2560],
    [3, 1000],
  ]) {
    for (const withPost of [true, false]) {
      // bf16 keeps 8 significant bits: a sum of squares in another order may move the post-norm
      // by a unit in the last place, which the add and the next norm (weights of a few units)
      // carry on. Two units at the largest value, relative to each output's own size.
      const relative = dtype === 'float32' ? 1e-4 : 2 * 2 ** -7;
      check(
        { dtype, rows, width, withPost },
        () => {
          const x = make([rows, 1, width], 1, dtype);
          const y = make([rows, 1, width], 2, dtype);
          const post = withPost ? make([width], 3, dtype) : undefined;
          const next = make([width], 4, dtype);
          const fused = mx.fast.residualRmsNorm(x, y, post, next, 1e-6);
          const h = mx.add(x, post ? mx.fast.rmsNorm(y, post, 1e-6) : y);
          const normed = mx.fast.rmsNorm(h, next, 1e-6);
          return { diffs: { h: diff(fused.h, h), normed: diff(fused.normed, normed) }, scales: { h: size(h), normed: size(normed) } };
        },
        relative,
      );
    }
  }
}

function attentionChecks(dtype) {
  // [B, Hq, Hkv, keys]: 1B (4 on 1) short and long, 4B (8 on 4) in a batch of 16.
  for (const [b, hq, hkv, keys] of [
    [1, 4, 1, 1],
    [1, 4, 1, 640],
    [1, 8, 4, 4000],
    [16, 8, 4, 300],
  ]) {
    for (const masked of [false, true]) {
      // One rounding of the output to the dtype; TF32 products in the float32 reference.
      const relative = dtype === 'float32' ? 2e-3 : 2 * 2 ** -7;
      check(
        { dtype, b, hq, hkv, keys, masked },
        () => {
          const d = 256;
          const scale = 1 / 16;
          const q = make([b, hq, 1, d], 5, dtype);
          const k = make([b, hkv, keys, d], 6, dtype);
          const v = make([b, hkv, keys, d], 7, dtype);
          const mask = masked ? mx.greater(mx.random.uniform({ shape: [b, 1, 1, keys], key: mx.random.key(8) }), 0.3) : undefined;
          const fused = mx.fast.scaledDotProductAttention(q, k, v, { scale, mask: mask ?? null });
          const f = (a) => mx.astype(a, 'float32');
          const rep = hq / hkv;
          const grouped = mx.reshape(f(q), [b, hkv, rep, d]);
          let scores = mx.multiply(mx.matmul(grouped, mx.swapaxes(f(k), 2, 3)), scale);
          if (mask) scores = mx.where(mask, scores, -Infinity);
          const want = mx.reshape(mx.matmul(mx.softmax(scores, -1), f(v)), [b, hq, 1, d]);
          return { diffs: { out: diff(fused, want) }, scales: { out: size(want) } };
        },
        relative,
      );
    }
  }
}

function ropeChecks(dtype) {
  // [B, L, H, base, scale, offset]: a 1B decode step (4 heads, base 10^6), a 4B global layer's
  // (linear scaling 1/8) in a batch with one offset per row, a prefill of 16 positions.
  for (const [b, l, h, base, scale, offsets] of [
    [1, 1, 4, 1e6, 1, [700]],
    [8, 1, 8, 1e6, 0.125, [0, 3, 90, 511, 1000, 2047, 4095, 8191]],
    [1, 16, 1, 10000, 1, [40]],
  ]) {
    // MLX's rope and rms_norm rounding at the same places: a unit in the last place where the sum
    // of squares in another order moves a normed value.
    const relative = dtype === 'float32' ? 1e-4 : 2 * 2 ** -7;
    check(
      { dtype, b, l, h, base, scale, offsets: offsets.length },
      () => {
        const d = 256;
        // The rows as a view into wider projection rows, as the stacked q, k, v product leaves them.
        const wide = make([b, l, h * d + 2 * d], 9, dtype);
        const x = mx.reshape(mx.slice(wide, [0, 0, 0], [b, l, h * d]), [b, l, h, d]);
        const weight = mx.add(make([d], 10, dtype), 1);
        const offset = offsets.length > 1 ? mx.array(Int32Array.from(offsets), 'int32', [b]) : offsets[0];
        const fused = mx.fast.rmsNormRope(x, weight, 1e-6, d, { base, scale, offset });
        const want = mx.fast.rope(mx.transpose(mx.fast.rmsNorm(x, weight, 1e-6), [0, 2, 1, 3]), d, { base, scale, offset });
        return { diffs: { out: diff(fused, want) }, scales: { out: size(want) } };
      },
      relative,
    );
  }
}

function headsChecks(dtype) {
  // [B, Hq, Hkv, D, norms, offsets]: a 4B decode step (8 on 4, base 10^6, q/k norms), a 1B one in
  // a batch with one offset per row, a Llama-like step without norms at head dim 128.
  for (const [b, hq, hkv, d, norms, offsets] of [
    [1, 8, 4, 256, true, [700]],
    [8, 4, 1, 256, true, [0, 3, 90, 511, 1000, 2047, 4095, 8191]],
    [1, 32, 8, 128, false, [40]],
  ]) {
    const relative = dtype === 'float32' ? 1e-4 : 2 * 2 ** -7;
    check(
      { dtype, b, hq, hkv, d, norms, offsets: offsets.length },
      () => {
        const base = 1e6;
        const proj = make([b, 1, (hq + 2 * hkv) * d], 13, dtype);
        const qNorm = norms ? mx.add(make([d], 14, dtype), 1) : undefined;
        const kNorm = norms ? mx.add(make([d], 15, dtype), 1) : undefined;
        const offset = offsets.length > 1 ? mx.array(Int32Array.from(offsets), 'int32', [b]) : offsets[0];
        const [q, k, v] = mx.fast.ropeHeads(proj, d, { heads: { q: hq, kv: hkv }, qNorm, kNorm, eps: 1e-6, base, offset });
        const [qRows, kRows, vRows] = mx.split(proj, [hq * d, (hq + hkv) * d], -1);
        const heads = (rows, n, weight) => {
          const r = mx.reshape(rows, [b, 1, n, d]);
          return mx.transpose(weight ? mx.fast.rmsNorm(r, weight, 1e-6) : r, [0, 2, 1, 3]);
        };
        const wantQ = mx.fast.rope(heads(qRows, hq, qNorm), d, { base, offset });
        const wantK = mx.fast.rope(heads(kRows, hkv, kNorm), d, { base, offset });
        const wantV = heads(vRows, hkv, undefined);
        return {
          diffs: { q: diff(q, wantQ), k: diff(k, wantK), v: diff(v, wantV) },
          scales: { q: size(wantQ), k: size(wantK), v: size(wantV) },
        };
      },
      relative,
    );
  }
}

function matVecChecks(dtype) {
  // [N, K]: a 4B layer's down and output projections, its q/k/v and gate/up, a 1B's down.
  for (const [n, k] of [
    [2560, 10240],
    [2560, 2048],
    [4096, 2560],
    [20480, 2560],
    [1152, 6912],
  ]) {
    // Products of unit normals over K terms: the float32 sums in another order, one rounding.
    const relative = dtype === 'float32' ? 2e-3 : 2 * 2 ** -7;
    check(
      { dtype, n, k },
      () => {
        const x = make([1, 1, k], 11, dtype);
        const w = make([n, k], 12, dtype);
        const fused = mx.fast.matVec(x, w);
        const want = mx.matmul(mx.astype(x, 'float32'), mx.transpose(mx.astype(w, 'float32')));
        return { diffs: { out: diff(fused, want) }, scales: { out: size(want) } };
      },
      relative,
    );
  }
}

const kinds = {
  matvec: ['matVec', matVecChecks],
  norm: ['residualRmsNorm', normChecks],
  attention: ['scaledDotProductAttention', attentionChecks],
  rope: ['rmsNormRope', ropeChecks],
  heads: ['ropeHeads', headsChecks],
};
const [name, run] = kinds[which] ?? kinds.norm;
for (const dtype of ['bfloat16', 'float32']) run(dtype);
console.log(JSON.stringify({ smoke: name, device: mx.defaultDevice().type, ok, checks }));
process.exit(ok ? 0 : 1);
