// Per-row log-sum-exp and the k largest entries of float32 logits [B, V] in one pass, on the CPU.
// A sampling step over a 262k vocabulary needs both; MLX's x86-64 CPU backend computes exp with a
// scalar loop (about 14 ns per element) and selects with a full partition, which made sampling
// cost more than a forward pass in a batch. This kernel vectorizes exp and selects with a running
// threshold, so most elements cost one compare.
#pragma once

#include <string>

#include "mlx/mlx.h"

namespace mlxts {

// Why the kernel cannot take these arguments, or "" when it can (float32 [B, V], 1 <= k <= V,
// on a CPU stream).
std::string CpuLogitsTopKUnsupported(const mlx::core::array& logits, int k, const mlx::core::Stream& stream);

// { logsumexp [B, 1] float32, ids [B, k] int32 in ascending order, logits at those ids [B, k] }.
// Among equal values at the boundary, the lower ids are kept.
std::vector<mlx::core::array> CpuLogitsTopK(const mlx::core::array& logits, int k, const mlx::core::Stream& stream);

}  // namespace mlxts
