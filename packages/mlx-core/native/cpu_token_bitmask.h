// Masks logits with a packed token bitmask on the CPU in one pass: bit v of word v/32 set keeps
// logit v, clear sets it to -inf. A grammar-constrained row needs this every step; built from MLX
// ops (shift, and, compare, select over the whole vocabulary) it cost about 2.6 ms per row of a
// 262k vocabulary on x86-64, which made a batch of constrained rows spend a tenth of its step on it.
#pragma once

#include <string>

#include "mlx/mlx.h"

namespace mlxts {

// Why the kernel cannot take these arguments, or "" when it can: float32 logits [B, V] and
// int32 words [B, ceil(V / 32)] on a CPU stream.
std::string CpuTokenBitmaskUnsupported(const mlx::core::array& logits, const mlx::core::array& words, const mlx::core::Stream& stream);

mlx::core::array CpuTokenBitmask(const mlx::core::array& logits, const mlx::core::array& words, const mlx::core::Stream& stream);

}  // namespace mlxts
