// GELU with the tanh approximation on the CPU as one vectorized MLX primitive (see cpu_gelu.cc).
#pragma once

#include "mlx/mlx.h"

namespace mlxts {

// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) for a float32 array on a CPU stream, lazy.
mlx::core::array CpuGeluTanh(const mlx::core::array& x, const mlx::core::Stream& stream);

}  // namespace mlxts
