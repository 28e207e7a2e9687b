import { describe, expect, it } from 'vitest';
import { transposeFloat32 } from './transpose.js';

describe('transposeFloat32', () => {
  it('transposes matrices whose sides are not multiples of the block', () => {
    for (const [rows, cols] of [
      [1, 1],
      [3, 130],
      [130, 3],
      [67, 65],
    ]) {
      const source = Float32Array.from({ length: rows * cols }, (_, i) => i);
      const out = transposeFloat32(source, rows, cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(out[c * rows + r]).toBe(r * cols + c);
    }
  });
});
