// A decoder layer's residual adds and the norms around them as one kernel on CUDA. Decode on the
// GPU is bound by launch cost (each kernel costs the host several microseconds to encode, and a
// one-token step of a 1B model is some 700 small kernels). Per layer, Gemma's sandwich norms are
// rms_norm → add → rms_norm twice (six kernels); this runs each triple as one, and a pre-norm
// layer's add → rms_norm pairs the same way.
//
// The arithmetic is MLX's own, rounding where its kernels round: rms_norm scales in float32,
// casts to the dtype, then multiplies by the weight in the dtype; the add is in the dtype. Only
// the order of the float32 sum of squares differs (a block reduction of another shape).
#include "gpu_residual_norm.h"

#include <map>
#include <string>
#include <tuple>

#include "gpu_kernel_args.h"
#include "mlx/backend/cuda/cuda.h"
#include "mlx/fast.h"

namespace mlxts {
namespace {

constexpr int kBlock = 256;

// The kernel body (MLX wraps it in a __global__ function of the inputs and outputs by name).
// One block per row of H values; every thread keeps its PER values of each input in registers.
// All four inputs are loaded before the first use: at one row (a decode step) the kernel is one
// block, bound by memory latency, and loads issued together cost one round trip instead of three.
constexpr const char* kSource = R"(
  constexpr int PER = (H + BLOCK - 1) / BLOCK;
  const float eps = __int_as_float(EPS_BITS);
  const int row = blockIdx.x;
  const int tid = threadIdx.x;
  __shared__ float partial[BLOCK / 32];
  auto block_sum = [&](float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffff, v, o);
    __syncthreads();
    if ((tid & 31) == 0) partial[tid >> 5] = v;
    __syncthreads();
    float total = 0.0f;
    for (int k = 0; k < BLOCK / 32; k++) total += partial[k];
    return total;
  };
  const T* xr = x + (size_t)row * H;
  const T* yr = y + (size_t)row * H;
  T* hr = h + (size_t)row * H;
  T* nr = normed + (size_t)row * H;
  const T zero = static_cast<T>(0.0f);
  T xs[PER], ys[PER], posts[PER], nexts[PER];
#pragma unroll
  for (int p = 0; p < PER; p++) {
    const int i = tid + p * BLOCK;
    const bool in = i < H;
    xs[p] = in ? xr[i] : zero;
    ys[p] = in ? yr[i] : zero;
    posts[p] = in && HAS_POST ? w_post[i] : zero;
    nexts[p] = in ? w_next[i] : zero;
  }
  float scale = 1.0f;
  if constexpr (HAS_POST) {
    float squares = 0.0f;
#pragma unroll
    for (int p = 0; p < PER; p++) squares += static_cast<float>(ys[p]) * static_cast<float>(ys[p]);
    scale = rsqrtf(block_sum(squares) / H + eps);
  }
  float sums[PER];
  float squares = 0.0f;
#pragma unroll
  for (int p = 0; p < PER; p++) {
    T branch = ys[p];
    if constexpr (HAS_POST) branch = posts[p] * static_cast<T>(static_cast<float>(ys[p]) * scale);
    const T sum = xs[p] + branch;
    const int i = tid + p * BLOCK;
    if (i < H) hr[i] = sum;
    sums[p] = i < H ? static_cast<float>(sum) : 0.0f;
    squares += sums[p] * sums[p];
  }
  const float next = rsqrtf(block_sum(squares) / H + eps);
#pragma unroll
  for (int p = 0; p < PER; p++) {
    const int i = tid + p * BLOCK;
    if (i < H) nr[i] = nexts[p] * static_cast<T>(sums[p] * next);
  }
)";

const mx::fast::CustomKernelFunction& Kernel(bool withPost) {
  static std::map<bool, mx::fast::CustomKernelFunction> kernels;
  auto found = kernels.find(withPost);
  if (found != kernels.end()) return found->second;
  // Both kernels take w_post (the one without a post-norm is handed w_next there, unread): a name
  // in a discarded `if constexpr` branch must still be declared outside a template.
  const std::vector<std::string> inputs{"x", "y", "w_post", "w_next"};
  auto kernel = mx::fast::cuda_kernel(withPost ? "mlxts_residual_rms_norm_post" : "mlxts_residual_rms_norm", inputs, {"h", "normed"}, kSource);
  return kernels.emplace(withPost, std::move(kernel)).first->second;
}

bool Fusable(const mx::array& x, const mx::array& y, const std::optional<mx::array>& postWeight, const mx::array& nextWeight,
             const mx::Stream& stream) {
  if (stream.device.type != mx::Device::gpu || !mx::cu::is_available()) return false;
  const mx::Dtype dtype = x.dtype();
  if (dtype != mx::bfloat16 && dtype != mx::float16 && dtype != mx::float32) return false;
  if (y.dtype() != dtype || nextWeight.dtype() != dtype || (postWeight && postWeight->dtype() != dtype)) return false;
  if (x.shape() != y.shape() || x.ndim() < 1) return false;
  const int width = x.shape(-1);
  if (nextWeight.ndim() != 1 || nextWeight.shape(0) != width || (postWeight && (postWeight->ndim() != 1 || postWeight->shape(0) != width))) return false;
  // Values stay in registers: up to 32 per thread.
  return width <= 32 * kBlock;
}

}  // namespace

std::pair<mx::array, mx::array> ResidualRmsNorm(const mx::array& x, const mx::array& y, const std::optional<mx::array>& postWeight,
                                                const mx::array& nextWeight, float eps, const mx::Stream& stream) {
  if (!Fusable(x, y, postWeight, nextWeight, stream)) {
    const mx::array branch = postWeight ? mx::fast::rms_norm(y, postWeight, eps, stream) : y;
    const mx::array h = mx::add(x, branch, stream);
    return {h, mx::fast::rms_norm(h, nextWeight, eps, stream)};
  }
  const int width = x.shape(-1);
  const int rows = static_cast<int>(x.size() / width);
  const std::vector<mx::array> inputs{x, y, postWeight.value_or(nextWeight), nextWeight};
  auto outputs = Kernel(postWeight.has_value())(inputs, {x.shape(), x.shape()}, {x.dtype(), x.dtype()}, {rows * kBlock, 1, 1}, {kBlock, 1, 1},
                                                {{"T", x.dtype()}, {"H", width}, {"BLOCK", kBlock}, {"EPS_BITS", FloatBits(eps)}, {"HAS_POST", postWeight.has_value()}},
                                                std::nullopt, false, stream);
  return {outputs[0], outputs[1]};
}

}  // namespace mlxts
