// RMSNorm over the last axis of a float32 array as one MLX primitive on the CPU (see cpu_rms_norm.cc).
#pragma once

#include <optional>
#include <string>

#include "mlx/mlx.h"

namespace mlxts {

// Why the kernel cannot take these arguments, or "" when it can: float32 x with at least one
// axis, weight absent or float32 [x.shape(-1)], a CPU stream.
std::string CpuRmsNormUnsupported(const mlx::core::array& x, const std::optional<mlx::core::array>& weight,
                                  const mlx::core::Stream& stream);

// x · rsqrt(mean(x², -1) + eps) · weight, lazy; the result is row-major whatever x's layout.
mlx::core::array CpuRmsNorm(const mlx::core::array& x, const std::optional<mlx::core::array>& weight, float eps,
                            const mlx::core::Stream& stream);

}  // namespace mlxts
