// rmsNormRope: a head's RMSNorm and its rotary embedding as one CUDA kernel (see gpu_norm_rope.cc).
#pragma once

#include "cpu_rope.h"
#include "mlx/mlx.h"

namespace mlxts {

// rope(transpose(rms_norm(x, weight, eps), [0, 2, 1, 3]), args, offset): x [B, L, H, D] (a
// projection's rows split into heads, any strides), weight [D] → [B, H, L, D] row-major. One
// kernel on a CUDA stream when it can take the arguments (MLX_TS_FUSED_ROPE=0 turns it off);
// MLX's three ops elsewhere.
mlx::core::array RmsNormRope(const mlx::core::array& x, const mlx::core::array& weight, float eps, const RopeArgs& args, const RopeOffset& offset,
                             const mlx::core::Stream& stream);

}  // namespace mlxts
