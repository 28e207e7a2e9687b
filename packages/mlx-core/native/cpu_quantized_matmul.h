// The CPU quantized matmul as an MLX primitive (see cpu_qmm.h for the kernels).
#pragma once

#include <optional>
#include <string>

#include "mlx/mlx.h"

namespace mlxts {

// Why the kernel cannot take x @ dequantize(w)ᵀ with these arguments, or "" when it can:
// affine mode, transposed weights, 4, 5 or 8 bits, groups of 32/64/128, float32 x and
// float32/bfloat16/float16 scales and biases, on a CPU stream. Without biases, bias_factor must
// be given: every group's bias is then bias_factor × its scale.
std::string CpuQuantizedMatmulUnsupported(const mlx::core::array& x, const mlx::core::array& w, const mlx::core::array& scales,
                                          const std::optional<mlx::core::array>& biases, bool transpose, int group_size, int bits,
                                          const std::string& mode, const mlx::core::Stream& stream,
                                          std::optional<float> bias_factor = std::nullopt);

// Builds the lazy op; call only when CpuQuantizedMatmulUnsupported returned "".
mlx::core::array CpuQuantizedMatmul(const mlx::core::array& x, const mlx::core::array& w, const mlx::core::array& scales,
                                    const mlx::core::array& biases, int group_size, int bits, const mlx::core::Stream& stream,
                                    std::optional<bool> int8_activations = std::nullopt);
// The same with every group's bias bias_factor × its scale, no biases stored.
mlx::core::array CpuQuantizedMatmulScaledBias(const mlx::core::array& x, const mlx::core::array& w, const mlx::core::array& scales,
                                              float bias_factor, int group_size, int bits, const mlx::core::Stream& stream,
                                              std::optional<bool> int8_activations = std::nullopt);

}  // namespace mlxts
