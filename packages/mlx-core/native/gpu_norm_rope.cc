// A head's RMSNorm and its rotary embedding as one CUDA kernel. Models that norm queries and keys
// per head (Gemma 3, Qwen 3) run, per layer and decode step, two rms_norm and two rope kernels;
// a decode step on the GPU is bound by launch cost, so this does each pair as one.
//
// The arithmetic is MLX's own, rounding where its kernels round: rms_norm scales in float32,
// casts to the dtype and multiplies by the weight in the dtype; rope reads those values, rotates
// in float32 with MLX's angle (scale · position · inverse frequency, the frequency from exp2 of
// the log2 base or from the given periods) and casts once. Only the order of the float32 sum of
// squares differs (a warp reduction instead of MLX's block).
#include "gpu_norm_rope.h"

#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "gpu_kernel_args.h"
#include "gpu_rope_source.h"
#include "mlx/backend/cuda/cuda.h"
#include "mlx/fast.h"

namespace mlxts {

namespace mx = mlx::core;

namespace {

// Rows (warps) per block.
constexpr int kRows = 4;

// One warp per row (b, l, h) of x; the normed row goes through shared memory so that each lane
// can read its rotation partner. Output rows are in [B, H, L] order.
constexpr const char* kSource = R"(
  constexpr int PER = D / 32;
  const float eps = __int_as_float(EPS_BITS);
  const float scale = __int_as_float(SCALE_BITS);
  const float base = __int_as_float(BASE_BITS);
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int len = x_shape[1];
  const int heads = x_shape[2];
  const int rows = x_shape[0] * heads * len;
  const int r = blockIdx.x * ROWS + warp;
  __shared__ T normed[ROWS][D];
  if (r < rows) {
    const int l = r % len;
    const int h = (r / len) % heads;
    const int b = r / (len * heads);
    const T* xr = x + (int64_t)b * x_strides[0] + (int64_t)l * x_strides[1] + (int64_t)h * x_strides[2];
    float values[PER];
    float squares = 0.0f;
#pragma unroll
    for (int p = 0; p < PER; p++) {
      values[p] = static_cast<float>(xr[(int64_t)(p * 32 + lane) * x_strides[3]]);
      squares += values[p] * values[p];
    }
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) squares += __shfl_xor_sync(0xffffffff, squares, o);
    const float normalizer = rsqrt(squares / D + eps);
#pragma unroll
    for (int p = 0; p < PER; p++) normed[warp][p * 32 + lane] = weight[p * 32 + lane] * static_cast<T>(values[p] * normalizer);
    __syncwarp();
    const float position = scale * static_cast<float>(offset[offset_shape[0] > 1 ? b : 0] + l);
    T* out_row = out + (int64_t)r * D;
    ROTATE
  }
)";

const mx::fast::CustomKernelFunction& Kernel(bool withFreqs) {
  static std::map<bool, mx::fast::CustomKernelFunction> kernels;
  auto found = kernels.find(withFreqs);
  if (found != kernels.end()) return found->second;
  // Both take freqs (without a table it is handed the weight, unread): a name in a discarded
  // `if constexpr` branch must still be declared outside a template.
  auto kernel = mx::fast::cuda_kernel(withFreqs ? "mlxts_rms_norm_rope_freqs" : "mlxts_rms_norm_rope", {"x", "weight", "offset", "freqs"}, {"out"},
                                      WithRotation(kSource), "", /*ensure_row_contiguous=*/false);
  return kernels.emplace(withFreqs, std::move(kernel)).first->second;
}

bool Enabled() {
  static const bool enabled = !TurnedOff("MLX_TS_FUSED_ROPE");
  return enabled;
}

// The offsets as int32 [1] or [B].
std::optional<mx::array> OffsetRows(const RopeOffset& offset, int batch, const mx::Stream& stream) {
  if (const int* n = std::get_if<int>(&offset)) return mx::reshape(mx::array(*n, mx::int32), {1}, stream);
  const mx::array& a = std::get<mx::array>(offset);
  if (a.dtype() != mx::int32 || (a.size() != 1 && a.size() != static_cast<size_t>(batch))) return std::nullopt;
  return mx::reshape(a, {static_cast<int>(a.size())}, stream);
}

bool Fusable(const mx::array& x, const mx::array& weight, const RopeArgs& args, const mx::Stream& stream) {
  if (!Enabled() || stream.device.type != mx::Device::gpu || !mx::cu::is_available()) return false;
  const mx::Dtype dtype = x.dtype();
  if (dtype != mx::bfloat16 && dtype != mx::float16 && dtype != mx::float32) return false;
  if (x.ndim() != 4 || weight.dtype() != dtype || weight.ndim() != 1 || weight.shape(0) != x.shape(3)) return false;
  const int d = x.shape(3);
  if (d % 32 != 0 || d > 512 || args.dims <= 0 || args.dims % 2 != 0 || args.dims > d) return false;
  if (args.freqs) return args.freqs->dtype() == mx::float32 && args.freqs->ndim() == 1 && args.freqs->shape(0) == args.dims / 2;
  return args.base.has_value();
}

}  // namespace

mx::array RmsNormRope(const mx::array& x, const mx::array& weight, float eps, const RopeArgs& args, const RopeOffset& offset,
                      const mx::Stream& stream) {
  std::optional<mx::array> offsets = x.ndim() == 4 ? OffsetRows(offset, x.shape(0), stream) : std::nullopt;
  if (!offsets || !Fusable(x, weight, args, stream)) {
    const mx::array heads = mx::transpose(mx::fast::rms_norm(x, weight, eps, stream), {0, 2, 1, 3}, stream);
    if (const int* n = std::get_if<int>(&offset)) return mx::fast::rope(heads, args.dims, args.traditional, args.base, args.scale, *n, args.freqs, stream);
    return mx::fast::rope(heads, args.dims, args.traditional, args.base, args.scale, std::get<mx::array>(offset), args.freqs, stream);
  }
  const int batch = x.shape(0);
  const int len = x.shape(1);
  const int heads = x.shape(2);
  const int d = x.shape(3);
  const int rows = batch * len * heads;
  const int blocks = (rows + kRows - 1) / kRows;
  const bool withFreqs = args.freqs.has_value();
  // MLX hands its kernel log2(base), computed in float on the host.
  const float base = withFreqs ? 0.0f : std::log2(*args.base);
  const std::vector<mx::array> inputs{x, weight, *offsets, withFreqs ? *args.freqs : weight};
  return Kernel(withFreqs)(inputs, {{batch, heads, len, d}}, {x.dtype()}, {blocks * kRows * 32, 1, 1}, {kRows * 32, 1, 1},
                           {{"T", x.dtype()},
                            {"D", d},
                            {"DIMS", args.dims},
                            {"ROWS", kRows},
                            {"TRADITIONAL", args.traditional},
                            {"HAS_FREQS", withFreqs},
                            {"EPS_BITS", FloatBits(eps)},
                            {"SCALE_BITS", FloatBits(args.scale)},
                            {"BASE_BITS", FloatBits(base)}},
                           std::nullopt, false, stream)[0];
}

}  // namespace mlxts
