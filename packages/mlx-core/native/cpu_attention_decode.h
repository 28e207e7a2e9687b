// Attention of one query position over a whole key/value cache as one MLX primitive on the CPU
// (see cpu_attention_decode.cc).
#pragma once

#include <string>

#include "mlx/mlx.h"

namespace mlxts {

// Why the kernel cannot take these arguments, or "" when it can: float32 q [B, Hq, 1, D], k and v
// [B, Hkv, L, D] (any strides) with Hq a multiple of Hkv, L >= 1, a CPU stream.
std::string CpuAttentionDecodeUnsupported(const mlx::core::array& q, const mlx::core::array& k, const mlx::core::array& v,
                                          const mlx::core::Stream& stream);

// softmax(q·kᵀ·scale)·v per head, grouped-query; lazy, row-major [B, Hq, 1, D] float32.
mlx::core::array CpuAttentionDecode(const mlx::core::array& q, const mlx::core::array& k, const mlx::core::array& v, float scale,
                                    const mlx::core::Stream& stream);

}  // namespace mlxts
