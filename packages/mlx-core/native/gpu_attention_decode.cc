// Attention of one query position (a decode step) on CUDA for head sizes MLX has no fused kernel
// for. MLX's CUDA backend fuses single-query attention only at head dims 64, 96 and 128; at any
// other (Gemma's 256) it falls back to a scale, two matmuls and a softmax per layer, plus copies
// when grouped-query heads broadcast the keys. A decode step on the GPU is bound by launch cost,
// so this does the same work in one kernel, or two when the keys are split over blocks.
//
// Work split (flash-decoding): one block per (batch row, key/value head, split of the keys); the
// block's warps take keys in turn, each key's dot products with every query head of its group
// (the group shares the key, so it is read once), an online softmax per head in float32, and the
// value rows accumulated in registers. The block's warps then combine through shared memory. With
// one split the block writes the output; with several it writes its running max, sum and
// unnormalized output, and the last block of a (row, group) to finish combines the splits (a
// counter per group, taken with an atomic after the block's partials are visible to the others,
// and reset by that block): one kernel either way, where a decode step on the GPU pays the host
// for every kernel. MLX_TS_ATTENTION_ONE_PASS=0 combines in a second kernel. Splits are chosen so that some
// 256 blocks run at once: one block reading every key of a long cache serially would leave the
// GPU idle on load latency (a 1B Gemma has a single key/value head).
//
// Arithmetic: q·k and the softmax in float32 (MLX's fallback rounds the scores to the dtype
// before its softmax), the output rounded to the dtype once.
#include "gpu_attention_decode.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gpu_kernel_args.h"
#include "mlx/backend/cuda/cuda.h"
#include "mlx/fast.h"

namespace mlxts {

namespace mx = mlx::core;

namespace {

constexpr int kWarps = 8;
// Enough blocks to fill a large GPU (an H100/H200 has 132 SMs); a split gets at least kMinKeys keys.
constexpr int kTargetBlocks = 256;
constexpr int kMinKeys = 32;
constexpr int kMaxSplits = 64;

// Everything up to the per-head store. The store (final output or a split's partials) follows as
// STORE; the mask read is KEEP. Names the body uses come from MLX's wrapper (inputs, their
// _shape/_strides, outputs) and from the template arguments T, D, REP, WARPS, SCALE_BITS.
constexpr const char* kBody = R"(
  constexpr int PER = D / 32;
  const float scale = __int_as_float(SCALE_BITS);
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int groups = k_shape[1];
  const int keys = k_shape[2];
  const int heads = groups * REP;
  const int split = blockIdx.y;
  const int splits = gridDim.y;
  const int b = blockIdx.x / groups;
  const int g = blockIdx.x % groups;
  const int chunk = (keys + splits - 1) / splits;
  const int first = split * chunk;
  const int last = min(keys, first + chunk);

  float qv[REP][PER];
#pragma unroll
  for (int r = 0; r < REP; r++) {
    const T* qr = q + (int64_t)b * q_strides[0] + (int64_t)(g * REP + r) * q_strides[1];
#pragma unroll
    for (int i = 0; i < PER; i++) qv[r][i] = static_cast<float>(qr[(int64_t)(i * 32 + lane) * q_strides[3]]) * scale;
  }
  const T* kb = k + (int64_t)b * k_strides[0] + (int64_t)g * k_strides[1];
  const T* vb = v + (int64_t)b * v_strides[0] + (int64_t)g * v_strides[1];
  float m[REP];
  float l[REP];
  float acc[REP][PER];
#pragma unroll
  for (int r = 0; r < REP; r++) {
    m[r] = -INFINITY;
    l[r] = 0.0f;
#pragma unroll
    for (int i = 0; i < PER; i++) acc[r][i] = 0.0f;
  }
  for (int j = first + warp; j < last; j += WARPS) {
    bool keep[REP];
    bool any = false;
#pragma unroll
    for (int r = 0; r < REP; r++) {
      KEEP
      any = any || keep[r];
    }
    if (!any) continue;
    const T* kr = kb + (int64_t)j * k_strides[2];
    const T* vr = vb + (int64_t)j * v_strides[2];
    float kx[PER];
    float vx[PER];
#pragma unroll
    for (int i = 0; i < PER; i++) {
      kx[i] = static_cast<float>(kr[(int64_t)(i * 32 + lane) * k_strides[3]]);
      vx[i] = static_cast<float>(vr[(int64_t)(i * 32 + lane) * v_strides[3]]);
    }
#pragma unroll
    for (int r = 0; r < REP; r++) {
      float s = 0.0f;
#pragma unroll
      for (int i = 0; i < PER; i++) s += qv[r][i] * kx[i];
#pragma unroll
      for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffff, s, o);
      if (keep[r]) {
        const float mn = fmaxf(m[r], s);
        const float alpha = expf(m[r] - mn);
        const float p = expf(s - mn);
        l[r] = l[r] * alpha + p;
#pragma unroll
        for (int i = 0; i < PER; i++) acc[r][i] = acc[r][i] * alpha + p * vx[i];
        m[r] = mn;
      }
    }
  }

  // The warps' states combine per head: max over warps, each warp's sum and values rescaled to it.
  __shared__ float warp_max[WARPS][REP];
  __shared__ float warp_sum[WARPS][REP];
  __shared__ float warp_acc[WARPS][D];
  if (lane == 0) {
#pragma unroll
    for (int r = 0; r < REP; r++) {
      warp_max[warp][r] = m[r];
      warp_sum[warp][r] = l[r];
    }
  }
  __syncthreads();
#pragma unroll
  for (int r = 0; r < REP; r++) {
    float top = -INFINITY;
    for (int w = 0; w < WARPS; w++) top = fmaxf(top, warp_max[w][r]);
    const float own = m[r] == -INFINITY ? 0.0f : expf(m[r] - top);
#pragma unroll
    for (int i = 0; i < PER; i++) warp_acc[warp][i * 32 + lane] = acc[r][i] * own;
    __syncthreads();
    float total_sum = 0.0f;
    for (int w = 0; w < WARPS; w++) {
      if (warp_max[w][r] != -INFINITY) total_sum += warp_sum[w][r] * expf(warp_max[w][r] - top);
    }
    const int64_t row = (int64_t)b * heads + g * REP + r;
    for (int e = threadIdx.x; e < D; e += WARPS * 32) {
      float total = 0.0f;
      for (int w = 0; w < WARPS; w++) total += warp_acc[w][e];
      STORE
    }
    __syncthreads();
  }
)";

constexpr const char* kKeepAll = "keep[r] = true;";
// mask [B or 1, Hq or 1, 1, L] booleans: true attends.
constexpr const char* kKeepMasked =
    "keep[r] = mask[(mask_shape[0] > 1 ? (int64_t)b * mask_strides[0] : 0) + (mask_shape[1] > 1 ? (int64_t)(g * REP + r) * mask_strides[1] : 0) + "
    "(int64_t)j * mask_strides[3]];";
// One split: the normalized output [B, Hq, 1, D]. A row every key of which is masked out is NaN, as softmax over nothing.
constexpr const char* kStoreOutput = "out[row * D + e] = static_cast<T>(total / total_sum);";
// Several: partials [B·Hq, splits, D] (values scaled to this split's max) and stats [B·Hq, splits, 2] (max, sum).
constexpr const char* kStorePartial = R"(
      partials[(row * splits + split) * D + e] = total;
      if (e == 0) {
        stats[(row * splits + split) * 2] = top;
        stats[(row * splits + split) * 2 + 1] = total_sum;
      }
)";

// The combine of one row's splits: partials and stats as above → out [B, Hq, 1, D], each split
// rescaled to the overall max (the sums in split order). Each split's weight is computed once,
// in shared memory, and every value's loads over the splits are independent.
constexpr const char* kCombineRow = R"(
    {
      __shared__ float split_max[MAX_SPLITS];
      __shared__ float split_sum[MAX_SPLITS];
      __shared__ float split_weight[MAX_SPLITS];
      const float* st = stats + row * splits * 2;
      for (int s = threadIdx.x; s < splits; s += blockDim.x) {
        split_max[s] = __ldcg(st + 2 * s);
        split_sum[s] = __ldcg(st + 2 * s + 1);
      }
      __syncthreads();
      float top = -INFINITY;
      for (int s = 0; s < splits; s++) top = fmaxf(top, split_max[s]);
      for (int s = threadIdx.x; s < splits; s += blockDim.x) split_weight[s] = split_max[s] == -INFINITY ? 0.0f : expf(split_max[s] - top);
      __syncthreads();
      float total_sum = 0.0f;
      for (int s = 0; s < splits; s++) {
        if (split_max[s] != -INFINITY) total_sum += split_sum[s] * split_weight[s];
      }
      for (int e = threadIdx.x; e < D; e += blockDim.x) {
        float total = 0.0f;
#pragma unroll 8
        for (int s = 0; s < splits; s++) {
          if (split_max[s] != -INFINITY) total += __ldcg(partials + (row * splits + s) * D + e) * split_weight[s];
        }
        out[row * D + e] = static_cast<T>(total / total_sum);
      }
      __syncthreads();
    }
)";

// The second kernel of the two-pass form: one block per row.
constexpr const char* kCombine = R"(
  const int64_t row = blockIdx.x;
  const int splits = stats_shape[1];
  COMBINE_ROW
)";

// After a split's partials: the block that finishes its (row, group) last combines every head of
// the group. __threadfence makes this block's partials visible before its ticket is taken.
constexpr const char* kOnePassTail = R"(
  __shared__ bool last_block;
  __threadfence();
  __syncthreads();
  if (threadIdx.x == 0) last_block = atomicAdd(const_cast<int*>(counters) + blockIdx.x, 1) == splits - 1;
  __syncthreads();
  if (last_block) {
#pragma unroll
    for (int r = 0; r < REP; r++) {
      const int64_t row = (int64_t)b * heads + g * REP + r;
      COMBINE_ROW
    }
    if (threadIdx.x == 0) const_cast<int*>(counters)[blockIdx.x] = 0;
  }
)";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  text.replace(at, from.size(), to);
  return text;
}

// Kernels by (masked, split, one pass); made once, compiled by MLX per dtype and shape constants.
const mx::fast::CustomKernelFunction& PassKernel(bool masked, bool split, bool onePass = false) {
  static std::map<std::tuple<bool, bool, bool>, mx::fast::CustomKernelFunction> kernels;
  const auto key = std::make_tuple(masked, split, onePass);
  auto found = kernels.find(key);
  if (found != kernels.end()) return found->second;
  std::vector<std::string> inputs{"q", "k", "v"};
  if (masked) inputs.push_back("mask");
  if (onePass) inputs.push_back("counters");
  const std::vector<std::string> outputs = onePass ? std::vector<std::string>{"partials", "stats", "out"}
                                           : split ? std::vector<std::string>{"partials", "stats"}
                                                   : std::vector<std::string>{"out"};
  std::string source = Replace(Replace(kBody, "KEEP", masked ? kKeepMasked : kKeepAll), "STORE", split ? kStorePartial : kStoreOutput);
  if (onePass) source += Replace(kOnePassTail, "COMBINE_ROW", kCombineRow);
  const std::string name = std::string("mlxts_attention_decode") + (masked ? "_masked" : "") + (onePass ? "_one_pass" : split ? "_split" : "");
  auto kernel = mx::fast::cuda_kernel(name, inputs, outputs, source, "", /*ensure_row_contiguous=*/false);
  return kernels.emplace(key, std::move(kernel)).first->second;
}

const mx::fast::CustomKernelFunction& CombineKernel() {
  static const mx::fast::CustomKernelFunction kernel =
      mx::fast::cuda_kernel("mlxts_attention_decode_combine", {"partials", "stats"}, {"out"}, Replace(kCombine, "COMBINE_ROW", kCombineRow));
  return kernel;
}

bool Enabled() {
  static const bool enabled = !TurnedOff("MLX_TS_FUSED_ATTENTION");
  return enabled;
}

bool OnePassEnabled() {
  static const bool enabled = !TurnedOff("MLX_TS_ATTENTION_ONE_PASS");
  return enabled;
}

// The one-pass kernel's counters: `n` zeroed ints from a ring made once (never freed: it outlives
// MLX's teardown). Each call takes the next slots, so that kernels of other streams in flight at
// the same time never share a counter (the ring wraps only after a million slots); each block
// that combines resets its counter.
constexpr int kCounterSlots = 1 << 20;

mx::array CounterSlots(int n, const mx::Stream& stream) {
  static std::mutex lock;
  static mx::array* ring = nullptr;
  static int cursor = 0;
  std::lock_guard<std::mutex> guard(lock);
  if (ring == nullptr) ring = new mx::array(mx::zeros({kCounterSlots}, mx::int32, stream));
  if (cursor + n > kCounterSlots) cursor = 0;
  const int base = cursor;
  cursor += n;
  return mx::slice(*ring, {base}, {base + n}, stream);
}

std::string ShapeText(const mx::array& a) {
  std::string text = "[";
  for (int i = 0; i < a.ndim(); i++) text += (i ? ", " : "") + std::to_string(a.shape(i));
  return text + "]";
}

// A mask of fewer dims broadcasts as its trailing ones do: [L] or [1, L] → [1, 1, 1, L].
std::optional<mx::array> FourDims(const std::optional<mx::array>& mask, const mx::Stream& stream) {
  if (!mask || mask->ndim() >= 4) return mask;
  mx::Shape shape(4 - mask->ndim(), 1);
  shape.insert(shape.end(), mask->shape().begin(), mask->shape().end());
  return mx::reshape(*mask, shape, stream);
}

// Why the kernel cannot take these arguments (a mask of 4 dims), or "" when it can.
std::string Unsupported(const mx::array& q, const mx::array& k, const mx::array& v, const std::optional<mx::array>& mask, const mx::Stream& stream) {
  if (!Enabled()) return "MLX_TS_FUSED_ATTENTION=0";
  if (stream.device.type != mx::Device::gpu || !mx::cu::is_available()) return "not a CUDA stream";
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) return "q, k and v must be 4-D";
  const mx::Dtype dtype = q.dtype();
  if (dtype != mx::bfloat16 && dtype != mx::float16 && dtype != mx::float32) return "q must be bfloat16, float16 or float32";
  if (k.dtype() != dtype || v.dtype() != dtype) return "q, k and v must share a dtype";
  if (q.shape(2) != 1) return "one query position only, got " + ShapeText(q);
  const int d = q.shape(3);
  if (k.shape(3) != d || v.shape(3) != d) return "q, k and v must share the head dim";
  if (d % 32 != 0 || d > 256) return "the head dim must be a multiple of 32 up to 256";
  if (d == 64 || d == 96 || d == 128) return "MLX's own kernel takes head dims 64, 96 and 128";
  if (k.shape(0) != q.shape(0) || v.shape(0) != q.shape(0)) return "q, k and v must share the batch";
  if (v.shape(1) != k.shape(1) || v.shape(2) != k.shape(2)) return "k and v must have the same heads and length";
  if (k.shape(2) < 1) return "no keys";
  const int groups = k.shape(1);
  if (groups < 1 || q.shape(1) % groups != 0 || q.shape(1) / groups > 8) return "the query heads must be 1 to 8 times the key/value heads";
  if (mask) {
    if (mask->dtype() != mx::bool_ || mask->ndim() != 4) return "the mask must be 4-D booleans";
    const bool rows = mask->shape(0) == 1 || mask->shape(0) == q.shape(0);
    const bool heads = mask->shape(1) == 1 || mask->shape(1) == q.shape(1);
    if (!rows || !heads || mask->shape(2) != 1 || mask->shape(3) != k.shape(2)) return "the mask must be [B or 1, Hq or 1, 1, keys]";
  }
  return "";
}

}  // namespace

std::optional<mx::array> GpuAttentionDecode(const mx::array& q, const mx::array& k, const mx::array& v, float scale, const std::optional<mx::array>& maskGiven,
                             const mx::Stream& stream) {
  if (maskGiven && (maskGiven->ndim() < 1 || maskGiven->ndim() > 4)) return std::nullopt;
  const std::optional<mx::array> mask = FourDims(maskGiven, stream);
  if (!Unsupported(q, k, v, mask, stream).empty()) return std::nullopt;
  const int batch = q.shape(0);
  const int heads = q.shape(1);
  const int groups = k.shape(1);
  const int keys = k.shape(2);
  const int d = q.shape(3);
  const int blocks = batch * groups;
  const int splits = std::clamp(std::min((kTargetBlocks + blocks - 1) / blocks, (keys + kMinKeys - 1) / kMinKeys), 1, kMaxSplits);
  std::vector<mx::array> inputs{q, k, v};
  if (mask) inputs.push_back(*mask);
  const std::vector<std::pair<std::string, mx::fast::TemplateArg>> constants{
      {"T", q.dtype()}, {"D", d}, {"REP", heads / groups}, {"WARPS", kWarps}, {"SCALE_BITS", FloatBits(scale)}};
  const std::tuple<int, int, int> grid{blocks * kWarps * 32, splits, 1};
  const std::tuple<int, int, int> block{kWarps * 32, 1, 1};
  const mx::Shape out{batch, heads, 1, d};
  if (splits == 1) return PassKernel(mask.has_value(), false)(inputs, {out}, {q.dtype()}, grid, block, constants, std::nullopt, false, stream)[0];
  const int rows = batch * heads;
  if (OnePassEnabled() && blocks <= kCounterSlots) {
    const std::vector<std::pair<std::string, mx::fast::TemplateArg>> onePass{
        {"T", q.dtype()}, {"D", d}, {"REP", heads / groups}, {"WARPS", kWarps}, {"SCALE_BITS", FloatBits(scale)}, {"MAX_SPLITS", kMaxSplits}};
    inputs.push_back(CounterSlots(blocks, stream));
    return PassKernel(mask.has_value(), true, true)(inputs, {{rows, splits, d}, {rows, splits, 2}, out}, {mx::float32, mx::float32, q.dtype()}, grid, block,
                                                    onePass, std::nullopt, false, stream)[2];
  }
  auto parts = PassKernel(mask.has_value(), true)(inputs, {{rows, splits, d}, {rows, splits, 2}}, {mx::float32, mx::float32}, grid, block, constants,
                                                  std::nullopt, false, stream);
  return CombineKernel()(parts, {out}, {q.dtype()}, {rows * 256, 1, 1}, {256, 1, 1}, {{"T", q.dtype()}, {"D", d}, {"MAX_SPLITS", kMaxSplits}}, std::nullopt,
                         false, stream)[0];
}

}  // namespace mlxts
