// On Linux the MLX wheel bundles netlib's reference BLAS, ~30x slower than OpenBLAS at the
// float32 matmuls of prefill. The build links OpenBLAS in when the system has it; this checks,
// after the model has loaded, which one this process actually mapped.
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';

/** The one command that switches MLX to OpenBLAS (the build's resolve step relinks the wheel). */
export const openBlasFix = 'sudo apt-get install -y libopenblas0-pthread && node packages/mlx-core/scripts/resolve-mlx.mjs';

export function usesReferenceBlas(): boolean {
  if (platform() !== 'linux') return false;
  try {
    return /\/mlx_cpu\.libs\/libblas-[^/\s]*\.so/.test(readFileSync('/proc/self/maps', 'utf8'));
  } catch {
    return false;
  }
}

export function referenceBlasWarning(): string {
  const rule = '!'.repeat(78);
  return [
    rule,
    '!! MLX is using the slow reference BLAS: prompt processing runs ~30x slower than with OpenBLAS.',
    `!! Fix (from the repository root): ${openBlasFix}`,
    rule,
  ].join('\n');
}
