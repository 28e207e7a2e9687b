// softmax(q·kᵀ·scale, masked)·v in float64: the reference of the single-query attention tests.

/** Batch, query heads, key/value heads, keys and head dim of one case. */
export interface AttentionShape {
  b: number;
  hq: number;
  hkv: number;
  l: number;
  d: number;
}

/**
 * From row-major q [B, Hq, 1, D], k and v [B, Hkv, L, D]; keep(b, h, j) says whether query head h
 * of row b attends to key j (every key when left out).
 */
export function attentionReference(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  { b, hq, hkv, l, d }: AttentionShape,
  scale: number,
  keep: (bi: number, h: number, j: number) => boolean = () => true,
): Float64Array {
  const out = new Float64Array(b * hq * d);
  const group = hq / hkv;
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < hq; h++) {
      const kv = Math.floor(h / group);
      const scores = new Float64Array(l).fill(-Infinity);
      for (let j = 0; j < l; j++) {
        if (!keep(bi, h, j)) continue;
        let s = 0;
        for (let i = 0; i < d; i++) s += q[(bi * hq + h) * d + i] * k[((bi * hkv + kv) * l + j) * d + i];
        scores[j] = s * scale;
      }
      const m = Math.max(...scores);
      let total = 0;
      for (let j = 0; j < l; j++) total += scores[j] = Math.exp(scores[j] - m);
      for (let j = 0; j < l; j++) {
        for (let i = 0; i < d; i++) out[(bi * hq + h) * d + i] += (scores[j] / total) * v[((bi * hkv + kv) * l + j) * d + i];
      }
    }
  }
  return out;
}
