// Run by `pnpm install`: on Linux, says loudly when MLX would fall back to the wheel's reference
// BLAS (prompt processing ~30x slower), with the one command that fixes it. Never fails the install.
import { platform } from 'node:os';
import { findOpenBlas } from '../packages/mlx-core/scripts/resolve-mlx.mjs';

if (platform() === 'linux' && process.env.MLX_BACKEND !== 'cuda' && !findOpenBlas()) {
  const rule = '!'.repeat(78);
  console.warn(
    [
      rule,
      '!! OpenBLAS is not installed: MLX will use the slow reference BLAS on this machine',
      '!! (prompt processing ~30x slower). Fix, from the repository root:',
      '!!   sudo apt-get install -y libopenblas0-pthread && node packages/mlx-core/scripts/resolve-mlx.mjs',
      rule,
    ].join('\n'),
  );
}
