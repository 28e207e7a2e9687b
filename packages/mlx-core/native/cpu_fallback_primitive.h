// Base of the addon's CPU kernels that replace one of MLX's fast ops on the CPU (rms_norm,
// rope): the kernel evaluates the forward pass, and every transformation (vjp, jvp, vmap) is
// taken of MLX's own op instead, so gradients through a model stay what MLX computes.
// MLX's fast::Custom does the same but is not exported from libmlx.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mlx/mlx.h"
#include "mlx/primitives.h"

namespace mlxts {

class CpuFallbackPrimitive : public mlx::core::UnaryPrimitive {
 public:
  using Fallback = std::function<std::vector<mlx::core::array>(const std::vector<mlx::core::array>&)>;

  CpuFallbackPrimitive(mlx::core::Stream stream, Fallback fallback)
      : mlx::core::UnaryPrimitive(stream), fallback_(std::move(fallback)) {}

  void eval_gpu(const std::vector<mlx::core::array>&, mlx::core::array&) override {
    throw std::runtime_error(std::string("[") + name() + "] runs on the CPU only");
  }

  std::vector<mlx::core::array> vjp(const std::vector<mlx::core::array>& primals,
                                    const std::vector<mlx::core::array>& cotangents, const std::vector<int>& argnums,
                                    const std::vector<mlx::core::array>&) override {
    auto [_, grads] = mlx::core::vjp(fallback_, primals, cotangents);
    std::vector<mlx::core::array> out;
    for (int i : argnums) out.push_back(grads[i]);
    return out;
  }

  std::vector<mlx::core::array> jvp(const std::vector<mlx::core::array>& primals,
                                    const std::vector<mlx::core::array>& tangents, const std::vector<int>& argnums) override {
    // Tangents come only for argnums; the other inputs are held fixed.
    std::vector<mlx::core::array> all;
    for (const auto& p : primals) all.push_back(mlx::core::zeros_like(p, stream()));
    for (size_t j = 0; j < argnums.size(); ++j) all[argnums[j]] = tangents[j];
    return mlx::core::jvp(fallback_, primals, all).second;
  }

  std::pair<std::vector<mlx::core::array>, std::vector<int>> vmap(const std::vector<mlx::core::array>& inputs,
                                                                 const std::vector<int>& axes) override {
    auto outputs = mlx::core::vmap(fallback_, axes)(inputs);
    return {outputs, std::vector<int>(outputs.size(), 0)};
  }

 protected:
  Fallback fallback_;
};

}  // namespace mlxts
