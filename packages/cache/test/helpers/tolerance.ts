// The float32 tolerances of every package's tests are stated once, in
// packages/mlx-core/test/helpers/tolerance.ts; this loads that file by path (a typed import would
// take it into this package's typecheck, outside its rootDir).
import type { Device } from '@mlx-ts/core';

export type Float32Check = 'logits' | 'attention' | 'product';

const shared: { float32Tolerance(check: Float32Check, device: Device): number; tf32Products(device: Device): boolean } = await import(
  new URL('../../../mlx-core/test/helpers/tolerance.ts', import.meta.url).href
);

export const { float32Tolerance, tf32Products } = shared;
