// residualRmsNorm: a residual add and the RMSNorm after it (optionally the branch's own norm
// first) as one CUDA kernel. See gpu_residual_norm.cc.
#pragma once

#include <optional>
#include <utility>

#include "mlx/mlx.h"

namespace mlxts {

namespace mx = mlx::core;

// h = x + (postWeight ? rms_norm(y, postWeight) : y); normed = rms_norm(h, nextWeight).
// One kernel on a CUDA stream; the same from MLX ops elsewhere. Returns {h, normed}.
std::pair<mx::array, mx::array> ResidualRmsNorm(const mx::array& x, const mx::array& y, const std::optional<mx::array>& postWeight,
                                                const mx::array& nextWeight, float eps, const mx::Stream& stream);

}  // namespace mlxts
