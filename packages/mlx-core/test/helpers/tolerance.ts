// The tolerances that depend on how the default device does float32 arithmetic, in one place for
// every package's tests (imported by relative path). A test names the comparison it makes; the
// value is the one that comparison needs on exact float32 arithmetic (the CPU; the GPU with TF32
// off) or on MLX's GPU default, where float32 matrix products run as TF32 (operands rounded to a
// 10-bit mantissa, products summed in float32; MLX_ENABLE_TF32=0 turns that off).
//
// The TF32 values were measured on an NVIDIA H200 (tools/gpu/run.sh test) and carry a margin of
// about 3x over the worst difference seen there; with TF32 off the GPU met every exact value.
// Comparisons that are exact by construction (integers, copies, quantized codes) take no
// tolerance from here: a difference there is a bug on any device.

export type Float32Check = keyof typeof TOLERANCES;

const TOLERANCES = {
  /**
   * max |logit difference| of a tiny model (|logit| <= 18) against a float32 reference
   * (transformers + torch, mlx-lm, or our own single-process run). Seen on the H200: 3.1e-2 with
   * TF32, 2.1e-5 without.
   */
  logits: { exact: 1e-4, tf32: 0.1 },
  /**
   * max |difference| of attention outputs (inputs of magnitude <= 1) against a float64 reference.
   * Seen on the H200: 1.4e-4 with TF32 (cache/test/batch-kv-cache.test.ts).
   */
  attention: { exact: 1e-5, tf32: 5e-4 },
  /**
   * max |difference| of a matrix product of inputs in [-0.5, 0.5] over a few hundred terms
   * against float64 (models/test/linear-stacked.test.ts). Seen on the H200: 5.5e-4 with TF32.
   */
  product: { exact: 1e-4, tf32: 2e-3 },
} as const;

/** The part of a device that decides its float32 arithmetic (an mx.Device). */
export interface DeviceLike {
  type: string;
}

/** True when float32 matrix products on `device` run as TF32 (MLX's default on the GPU). */
export function tf32Products(device: DeviceLike): boolean {
  return device.type === 'gpu' && process.env.MLX_ENABLE_TF32 !== '0';
}

/** The tolerance of a float32 comparison on `device` (the default device, passed by the caller). */
export function float32Tolerance(check: Float32Check, device: DeviceLike): number {
  const t = TOLERANCES[check];
  return tf32Products(device) ? t.tf32 : t.exact;
}

/**
 * Relative and absolute tolerances of a matrix product against a reference computed exactly (in
 * float64, or as float32 products of other shapes): the caller's exact values, widened under
 * TF32 to 2^-8 relative plus 2^-8 times the operands' scale (the largest |a·b| of one term times
 * the number of terms summed), the bound of two operands each rounded to a 10-bit mantissa.
 */
export function productTolerance(device: DeviceLike, exact: { rtol: number; atol: number }, scale: number): { rtol: number; atol: number } {
  if (!tf32Products(device)) return exact;
  return { rtol: Math.max(exact.rtol, 2 ** -8), atol: Math.max(exact.atol, 2 ** -8 * scale) };
}
