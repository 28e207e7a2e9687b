// Rotary position embedding as one MLX primitive on the CPU (see cpu_rope.cc).
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "mlx/mlx.h"

namespace mlxts {

// The position of the first token: one for all rows, or an int32 array of one (or one per
// batch row, x.shape(0)).
using RopeOffset = std::variant<int, mlx::core::array>;

struct RopeArgs {
  int dims;
  bool traditional;
  std::optional<float> base;  // exactly one of base and freqs
  float scale;
  std::optional<mlx::core::array> freqs;  // periods, float32 [dims / 2] (MLX's convention)
};

// Why the kernel cannot take these arguments, or "" when it can.
std::string CpuRopeUnsupported(const mlx::core::array& x, const RopeArgs& args, const RopeOffset& offset,
                               const mlx::core::Stream& stream);

// What mx::fast::rope computes, lazy; the result is row-major whatever x's layout.
mlx::core::array CpuRope(const mlx::core::array& x, const RopeArgs& args, const RopeOffset& offset,
                         const mlx::core::Stream& stream);

}  // namespace mlxts
