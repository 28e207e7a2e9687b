// Per-head RMSNorm then RoPE in float64: the definition the fused norm/rope kernels are checked
// against (mx.fast.rmsNormRope, mx.fast.ropeHeads).

export interface NormRopeCase {
  b: number;
  l: number;
  h: number;
  d: number;
  dims: number;
  traditional: boolean;
  base?: number;
  periods?: Float32Array;
  scale: number;
  offsets: number[];
}

/** x [B, L, H, D] row-major → [B, H, L, D] in float64: each row normed by `weight` (none when null), then rotated at its position. */
export function normRopeReference(x: ArrayLike<number>, weight: ArrayLike<number> | null, eps: number, c: NormRopeCase): Float64Array {
  const { b, l, h, d, dims, traditional, scale } = c;
  const out = new Float64Array(b * h * l * d);
  const half = dims / 2;
  const period = (i: number) => c.periods?.[i] ?? c.base! ** ((2 * i) / dims);
  for (let bi = 0; bi < b; bi++) {
    for (let li = 0; li < l; li++) {
      for (let hi = 0; hi < h; hi++) {
        const at = ((bi * l + li) * h + hi) * d;
        let squares = 0;
        for (let i = 0; i < d; i++) squares += x[at + i] ** 2;
        const k = weight ? 1 / Math.sqrt(squares / d + eps) : 1;
        const normed = Array.from({ length: d }, (_, i) => x[at + i] * k * (weight ? weight[i] : 1));
        const row = ((bi * h + hi) * l + li) * d;
        const position = scale * ((c.offsets.length > 1 ? c.offsets[bi] : c.offsets[0]) + li);
        for (let i = 0; i < d; i++) out[row + i] = normed[i];
        for (let i = 0; i < half; i++) {
          const [p, q] = traditional ? [2 * i, 2 * i + 1] : [i, i + half];
          const theta = position / period(i);
          out[row + p] = normed[p] * Math.cos(theta) - normed[q] * Math.sin(theta);
          out[row + q] = normed[p] * Math.sin(theta) + normed[q] * Math.cos(theta);
        }
      }
    }
  }
  return out;
}
