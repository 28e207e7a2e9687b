// Attention of one query position as one or two CUDA kernels, for the head sizes MLX's CUDA
// backend has no fused kernel for (see gpu_attention_decode.cc).
#pragma once

#include <optional>

#include "mlx/mlx.h"

namespace mlxts {

// softmax(q·kᵀ·scale, masked)·v per head, grouped-query: lazy, row-major [B, Hq, 1, D] in q's
// dtype; nullopt when the kernel cannot take the arguments. It takes q [B, Hq, 1, D], k and v
// [B, Hkv, L, D] of one dtype (bfloat16, float16 or float32; any strides), D a multiple of 32 up
// to 256 other than 64, 96 and 128 (MLX's own single-query kernel takes those), Hq = r·Hkv with
// r <= 8, an optional boolean mask [B or 1, Hq or 1, 1, L] (or fewer leading dims), a CUDA stream.
// MLX_TS_FUSED_ATTENTION=0 turns the kernel off.
std::optional<mlx::core::array> GpuAttentionDecode(const mlx::core::array& q, const mlx::core::array& k, const mlx::core::array& v, float scale,
                                                   const std::optional<mlx::core::array>& mask, const mlx::core::Stream& stream);

}  // namespace mlxts
