// ropeHeads: a stacked q/k/v projection's rows split into heads, queries and keys normed per head
// and rotated, as one CUDA kernel (see gpu_rope_heads.cc).
#pragma once

#include <optional>
#include <vector>

#include "cpu_rope.h"
#include "mlx/mlx.h"

namespace mlxts {

// proj [B, L, (nq + 2·nkv)·D] (queries, then keys, then values; any strides) → q [B, nq, L, D],
// k and v [B, nkv, L, D], row-major: q = rope(transpose(rms_norm(q rows, qWeight))), the same
// for k with kWeight (no norm where a weight is absent), v the rows as they are. One kernel on a
// CUDA stream when it can take the arguments (MLX_TS_FUSED_HEADS=0 turns it off); MLX's split,
// reshapes, norms, transposes and ropes elsewhere.
std::vector<mlx::core::array> RopeHeads(const mlx::core::array& proj, int nq, int nkv, const std::optional<mlx::core::array>& qWeight,
                                        const std::optional<mlx::core::array>& kWeight, float eps, const RopeArgs& args,
                                        const RopeOffset& offset, const mlx::core::Stream& stream);

}  // namespace mlxts
