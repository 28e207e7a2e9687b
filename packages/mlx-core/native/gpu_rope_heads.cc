// A decode step's attention heads from the stacked q/k/v projection as one CUDA kernel. Per layer
// and step, MLX's graph for this is a split, three reshapes, two per-head norms, three transposes
// and two ropes: eleven primitives, four of them kernels, each costing the host its own encoding
// (a decode step on the GPU is bound by that host work, not by the GPU). Here every head row of
// the projection is one warp: a query or key row is normed (when the architecture norms them),
// rotated and stored in [B, H, L, D] order, a value row is copied there.
//
// The arithmetic is MLX's own, rounding where its kernels round (as gpu_norm_rope.cc): rms_norm
// scales in float32, casts to the dtype and multiplies by the weight in the dtype; rope reads
// those values, rotates in float32 with MLX's angle and casts once. Only the order of the float32
// sum of squares differs (a warp reduction instead of MLX's block).
#include "gpu_rope_heads.h"

#include <cmath>
#include <map>
#include <string>
#include <tuple>

#include "gpu_kernel_args.h"
#include "gpu_rope_source.h"
#include "mlx/backend/cuda/cuda.h"
#include "mlx/fast.h"

namespace mlxts {

namespace mx = mlx::core;

namespace {

// Rows (warps) per block.
constexpr int kRows = 4;

// One warp per (b, l, head) of the projection. Heads [0, NQ) are queries, [NQ, NQ + NKV) keys,
// the rest values; the branch is uniform over a warp.
constexpr const char* kSource = R"(
  constexpr int PER = D / 32;
  constexpr int HEADS = NQ + 2 * NKV;
  const float eps = __int_as_float(EPS_BITS);
  const float scale = __int_as_float(SCALE_BITS);
  const float base = __int_as_float(BASE_BITS);
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int len = x_shape[1];
  const int rows = x_shape[0] * len * HEADS;
  const int r = blockIdx.x * ROWS + warp;
  __shared__ T normed[ROWS][D];
  if (r < rows) {
    const int h = r % HEADS;
    const int l = (r / HEADS) % len;
    const int b = r / (HEADS * len);
    const int64_t step = x_strides[2];
    const T* xr = x + (int64_t)b * x_strides[0] + (int64_t)l * x_strides[1] + (int64_t)h * D * step;
    const bool is_query = h < NQ;
    const bool is_key = !is_query && h < NQ + NKV;
    T* out_row = is_query ? q + (((int64_t)b * NQ + h) * len + l) * D
               : is_key   ? k + (((int64_t)b * NKV + (h - NQ)) * len + l) * D
                          : v + (((int64_t)b * NKV + (h - NQ - NKV)) * len + l) * D;
    if (!is_query && !is_key) {
#pragma unroll
      for (int p = 0; p < PER; p++) out_row[p * 32 + lane] = xr[(int64_t)(p * 32 + lane) * step];
      return;
    }
    const bool norms = is_query ? HAS_QNORM : HAS_KNORM;
    const T* weight = is_query ? q_w : k_w;
    if (norms) {
      float values[PER];
      float squares = 0.0f;
#pragma unroll
      for (int p = 0; p < PER; p++) {
        values[p] = static_cast<float>(xr[(int64_t)(p * 32 + lane) * step]);
        squares += values[p] * values[p];
      }
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) squares += __shfl_xor_sync(0xffffffff, squares, o);
      const float normalizer = rsqrt(squares / D + eps);
#pragma unroll
      for (int p = 0; p < PER; p++) normed[warp][p * 32 + lane] = weight[p * 32 + lane] * static_cast<T>(values[p] * normalizer);
    } else {
#pragma unroll
      for (int p = 0; p < PER; p++) normed[warp][p * 32 + lane] = xr[(int64_t)(p * 32 + lane) * step];
    }
    __syncwarp();
    const float position = scale * static_cast<float>(offset[offset_shape[0] > 1 ? b : 0] + l);
    ROTATE
  }
)";

const mx::fast::CustomKernelFunction& Kernel(bool withFreqs) {
  static std::map<bool, mx::fast::CustomKernelFunction> kernels;
  auto found = kernels.find(withFreqs);
  if (found != kernels.end()) return found->second;
  // Every variant takes q_w, k_w and freqs (an absent one is handed x, unread): a name in a
  // discarded branch must still be declared.
  auto kernel = mx::fast::cuda_kernel(withFreqs ? "mlxts_rope_heads_freqs" : "mlxts_rope_heads", {"x", "q_w", "k_w", "offset", "freqs"},
                                      {"q", "k", "v"}, WithRotation(kSource), "", /*ensure_row_contiguous=*/false);
  return kernels.emplace(withFreqs, std::move(kernel)).first->second;
}

bool Enabled() {
  static const bool enabled = !TurnedOff("MLX_TS_FUSED_HEADS");
  return enabled;
}

// The offsets as int32 [1] or [B], made without a graph of their own (a number becomes a leaf).
std::optional<mx::array> OffsetRows(const RopeOffset& offset, int batch, const mx::Stream& stream) {
  if (const int* n = std::get_if<int>(&offset)) return mx::array(n, mx::Shape{1}, mx::int32);
  const mx::array& a = std::get<mx::array>(offset);
  if (a.dtype() != mx::int32 || (a.size() != 1 && a.size() != static_cast<size_t>(batch))) return std::nullopt;
  return a.ndim() == 1 ? a : mx::reshape(a, {static_cast<int>(a.size())}, stream);
}

bool WeightFits(const std::optional<mx::array>& w, mx::Dtype dtype, int d) {
  return !w || (w->dtype() == dtype && w->ndim() == 1 && w->shape(0) == d);
}

bool Fusable(const mx::array& proj, int d, const std::optional<mx::array>& qWeight, const std::optional<mx::array>& kWeight, const RopeArgs& args,
             const mx::Stream& stream) {
  if (!Enabled() || stream.device.type != mx::Device::gpu || !mx::cu::is_available()) return false;
  const mx::Dtype dtype = proj.dtype();
  if (dtype != mx::bfloat16 && dtype != mx::float16 && dtype != mx::float32) return false;
  if (!WeightFits(qWeight, dtype, d) || !WeightFits(kWeight, dtype, d)) return false;
  if (d % 32 != 0 || d > 512 || args.dims <= 0 || args.dims % 2 != 0 || args.dims > d) return false;
  if (args.freqs) return args.freqs->dtype() == mx::float32 && args.freqs->ndim() == 1 && args.freqs->shape(0) == args.dims / 2;
  return args.base.has_value();
}

mx::array Rotated(const mx::array& heads, const RopeArgs& args, const RopeOffset& offset, const mx::Stream& stream) {
  if (const int* n = std::get_if<int>(&offset)) return mx::fast::rope(heads, args.dims, args.traditional, args.base, args.scale, *n, args.freqs, stream);
  return mx::fast::rope(heads, args.dims, args.traditional, args.base, args.scale, std::get<mx::array>(offset), args.freqs, stream);
}

// MLX's ops: each part as rows [B, L, n, D], normed on those rows, then transposed to heads.
std::vector<mx::array> Composed(const mx::array& proj, int nq, int nkv, int d, const std::optional<mx::array>& qWeight,
                                const std::optional<mx::array>& kWeight, float eps, const RopeArgs& args, const RopeOffset& offset,
                                const mx::Stream& stream) {
  const int b = proj.shape(0);
  const int l = proj.shape(1);
  const std::vector<mx::array> parts = mx::split(proj, mx::Shape{nq * d, (nq + nkv) * d}, -1, stream);
  auto heads = [&](const mx::array& part, int n, const std::optional<mx::array>& weight) {
    mx::array rows = mx::reshape(part, {b, l, n, d}, stream);
    if (weight) rows = mx::fast::rms_norm(rows, weight, eps, stream);
    return mx::transpose(rows, {0, 2, 1, 3}, stream);
  };
  return {Rotated(heads(parts[0], nq, qWeight), args, offset, stream), Rotated(heads(parts[1], nkv, kWeight), args, offset, stream),
          heads(parts[2], nkv, std::nullopt)};
}

}  // namespace

std::vector<mx::array> RopeHeads(const mx::array& proj, int nq, int nkv, const std::optional<mx::array>& qWeight,
                                 const std::optional<mx::array>& kWeight, float eps, const RopeArgs& args, const RopeOffset& offset,
                                 const mx::Stream& stream) {
  if (proj.ndim() != 3) throw std::invalid_argument("[ropeHeads] proj must be [B, L, (nq + 2·nkv)·D]");
  if (nq < 1 || nkv < 1 || proj.shape(2) % (nq + 2 * nkv) != 0) {
    throw std::invalid_argument("[ropeHeads] the last axis of proj (" + std::to_string(proj.shape(2)) + ") is not (nq + 2·nkv) = " +
                                std::to_string(nq + 2 * nkv) + " heads of one size");
  }
  const int d = proj.shape(2) / (nq + 2 * nkv);
  const int batch = proj.shape(0);
  std::optional<mx::array> offsets = OffsetRows(offset, batch, stream);
  if (!offsets || !Fusable(proj, d, qWeight, kWeight, args, stream)) return Composed(proj, nq, nkv, d, qWeight, kWeight, eps, args, offset, stream);
  const int len = proj.shape(1);
  const int rows = batch * len * (nq + 2 * nkv);
  const int blocks = (rows + kRows - 1) / kRows;
  const bool withFreqs = args.freqs.has_value();
  // MLX hands its kernel log2(base), computed in float on the host.
  const float base = withFreqs ? 0.0f : std::log2(*args.base);
  const std::vector<mx::array> inputs{proj, qWeight.value_or(proj), kWeight.value_or(proj), *offsets, withFreqs ? *args.freqs : proj};
  const mx::Dtype dtype = proj.dtype();
  return Kernel(withFreqs)(inputs, {{batch, nq, len, d}, {batch, nkv, len, d}, {batch, nkv, len, d}}, {dtype, dtype, dtype},
                           {blocks * kRows * 32, 1, 1}, {kRows * 32, 1, 1},
                           {{"T", dtype},
                            {"D", d},
                            {"NQ", nq},
                            {"NKV", nkv},
                            {"DIMS", args.dims},
                            {"ROWS", kRows},
                            {"TRADITIONAL", args.traditional},
                            {"HAS_FREQS", withFreqs},
                            {"HAS_QNORM", qWeight.has_value()},
                            {"HAS_KNORM", kWeight.has_value()},
                            {"EPS_BITS", FloatBits(eps)},
                            {"SCALE_BITS", FloatBits(args.scale)},
                            {"BASE_BITS", FloatBits(base)}},
                           std::nullopt, false, stream);
}

}  // namespace mlxts
