// matVec: one row times a dense weight's transpose as the addon's CUDA kernel (see gpu_matvec.cc).
#pragma once

#include "mlx/mlx.h"

namespace mlxts {

// x [..., K] with one row (every leading dim 1) @ wᵀ for w [N, K] row-major: [..., N] in x's
// dtype. The addon's kernel on a CUDA stream when it can take them (bfloat16, float16 or float32
// alike, K a multiple of 8 whose row fits in shared memory, w its own buffer) and MLX_TS_MATVEC is
// not 0; MLX's matmul elsewhere.
mlx::core::array MatVec(const mlx::core::array& x, const mlx::core::array& w, const mlx::core::Stream& stream);

}  // namespace mlxts
