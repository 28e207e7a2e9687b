// A cache-blocked float32 matrix transpose on the host. Loading float32 weights for the CPU
// transposes every matrix once (see layers/linear.ts); doing it here, while the data is still a
// JS buffer, is several times faster than MLX's strided copy on this backend.

const BLOCK = 64;

/** [rows, cols] row-major → [cols, rows] row-major. */
export function transposeFloat32(source: Float32Array, rows: number, cols: number): Float32Array {
  if (source.length !== rows * cols) throw new RangeError(`transposeFloat32: ${source.length} values are not ${rows}×${cols}`);
  const out = new Float32Array(rows * cols);
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(r0 + BLOCK, rows);
    for (let c0 = 0; c0 < cols; c0 += BLOCK) {
      const c1 = Math.min(c0 + BLOCK, cols);
      // Writes run along output rows (contiguous); the block's source rows stay in L1.
      for (let c = c0; c < c1; c++) {
        const outStart = c * rows;
        let at = r0 * cols + c;
        for (let r = r0; r < r1; r++, at += cols) out[outStart + r] = source[at];
      }
    }
  }
  return out;
}
