// Reproducible pseudo-random float32 inputs for the kernel tests (a linear congruential generator).
export function seededValues(count: number, seed: number, spread: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * spread;
  }
  return out;
}

export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
