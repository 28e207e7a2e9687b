import type * as mx from '../src/index.js';

/** The kernel families a CPU whose best is `best` can run, best first (avx512 implies avx2). */
export function supportedIsas(best: mx.fast.CpuKernelIsa): mx.fast.CpuKernelIsa[] {
  if (best === 'avx512') return ['avx512', 'avx2', 'scalar'];
  if (best === 'avx2') return ['avx2', 'scalar'];
  return ['scalar'];
}
