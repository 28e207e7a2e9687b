// Whether the mx ops that have one of the addon's CPU kernels use it by default on a CPU stream.
#pragma once

#include <cstdlib>
#include <string>

namespace mlxts {

// MLX_TS_CPU_KERNEL=mlx keeps MLX's own CPU implementations everywhere (for comparisons).
inline bool CpuKernelByDefault() {
  static const bool enabled = [] {
    const char* env = std::getenv("MLX_TS_CPU_KERNEL");
    return env == nullptr || std::string(env) != "mlx";
  }();
  return enabled;
}

}  // namespace mlxts
