// Attention of several query positions (a prompt's prefill) over the keys and values as one MLX
// primitive on the CPU, causal or unmasked (see cpu_attention_prefill.cc).
#pragma once

#include <string>

#include "mlx/mlx.h"

namespace mlxts {

// Why the kernel cannot take these arguments, or "" when it can: float32 q [B, Hq, L, D] with
// L > 1, k and v [B, Hkv, S, D] (any strides) with S >= L, Hq a multiple of Hkv, D a multiple of
// 8, a CPU stream and a CPU with AVX2.
std::string CpuAttentionPrefillUnsupported(const mlx::core::array& q, const mlx::core::array& k, const mlx::core::array& v,
                                           const mlx::core::Stream& stream);

// softmax(q·kᵀ·scale [+ causal mask])·v per head, grouped-query; `causal` aligns the mask
// bottom-right as MLX does (query i sees keys up to i + S − L). Lazy, row-major [B, Hq, L, D].
mlx::core::array CpuAttentionPrefill(const mlx::core::array& q, const mlx::core::array& k, const mlx::core::array& v, float scale,
                                     bool causal, const mlx::core::Stream& stream);

}  // namespace mlxts
