// See cpu_logits_top_k.h. The rows of a batch are spread over the addon's CPU thread pool.
#include "cpu_logits_top_k.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "cpu_qmm.h"
#include "cpu_simd_exp.h"
#include "cpu_thread_pool.h"
#include "mlx/allocator.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"


namespace mx = mlx::core;

namespace mlxts {
namespace {

constexpr float kNegativeInfinity = -std::numeric_limits<float>::infinity();

// Σ exp(x[i] - shift) with the scalar libm exp.
double SumExpScalar(const float* x, int64_t n, float shift) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(x[i] - shift);
  return sum;
}

#if defined(__x86_64__)
MLXTS_AVX2 double SumExpAvx2(const float* x, int64_t n, float shift) {
  const __m256 s = _mm256_set1_ps(shift);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  int64_t i = 0;
  double total = 0;
  // Partial sums in float32 over blocks of 4096, gathered in double, keep the rounding small.
  while (i + 16 <= n) {
    const int64_t end = std::min(n - 15, i + 4096);
    for (; i < end; i += 16) {
      acc0 = _mm256_add_ps(acc0, Exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), s)));
      acc1 = _mm256_add_ps(acc1, Exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), s)));
    }
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, _mm256_add_ps(acc0, acc1));
    for (float v : lanes) total += v;
    acc0 = acc1 = _mm256_setzero_ps();
  }
  return total + SumExpScalar(x + i, n - i, shift);
}

// Indices i in [from, n) with x[i] > bar, eight at a time.
MLXTS_AVX2 int64_t ScanAboveAvx2(const float* x, int64_t from, int64_t n, float bar, int32_t* out, int64_t capacity, int64_t* next) {
  const __m256 b = _mm256_set1_ps(bar);
  int64_t count = 0;
  int64_t i = from;
  for (; i + 8 <= n && count + 8 <= capacity; i += 8) {
    int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), b, _CMP_GT_OQ));
    while (mask) {
      const int lane = __builtin_ctz(mask);
      out[count++] = static_cast<int32_t>(i + lane);
      mask &= mask - 1;
    }
  }
  for (; i < n && count < capacity; ++i) {
    if (x[i] > bar) out[count++] = static_cast<int32_t>(i);
  }
  *next = i;
  return count;
}
#endif

int64_t ScanAboveScalar(const float* x, int64_t from, int64_t n, float bar, int32_t* out, int64_t capacity, int64_t* next) {
  int64_t count = 0;
  int64_t i = from;
  for (; i < n && count < capacity; ++i) {
    if (x[i] > bar) out[count++] = static_cast<int32_t>(i);
  }
  *next = i;
  return count;
}

// One row: the k largest (ties to the lower id), ids ascending, and log Σ exp(x).
void Row(const float* x, int64_t n, int k, bool avx2, float* lse, int32_t* ids, float* values) {
  // Candidates above a running bar; when the buffer fills, keep the best k and raise the bar.
  const int64_t capacity = std::max<int64_t>(4 * static_cast<int64_t>(k), 256);
  std::vector<int32_t> buffer(static_cast<size_t>(capacity + 8));
  int64_t held = 0;
  float bar = kNegativeInfinity;
  bool bar_set = false;
  // Before the bar is set every element qualifies, including -inf ones: take the first k as they come.
  auto better = [x](int32_t a, int32_t b) { return x[a] > x[b] || (x[a] == x[b] && a < b); };
  int64_t i = 0;
  for (; i < n && held < k; ++i) buffer[static_cast<size_t>(held++)] = static_cast<int32_t>(i);
  auto shrink = [&]() {
    std::nth_element(buffer.begin(), buffer.begin() + (k - 1), buffer.begin() + held, better);
    held = k;
    bar = x[buffer[static_cast<size_t>(k - 1)]];
    bar_set = true;
  };
  if (held == k && i < n) shrink();
  while (i < n) {
    int64_t next = i;
    const int64_t room = capacity - held;
#if defined(__x86_64__)
    const int64_t found = avx2 ? ScanAboveAvx2(x, i, n, bar, buffer.data() + held, room, &next)
                               : ScanAboveScalar(x, i, n, bar, buffer.data() + held, room, &next);
#else
    const int64_t found = ScanAboveScalar(x, i, n, bar, buffer.data() + held, room, &next);
#endif
    held += found;
    i = next;
    if (held + 8 > capacity || i >= n) shrink();
  }
  if (!bar_set || held > k) shrink();
  std::sort(buffer.begin(), buffer.begin() + k);
  float top = kNegativeInfinity;
  for (int j = 0; j < k; ++j) {
    ids[j] = buffer[static_cast<size_t>(j)];
    values[j] = x[ids[j]];
    top = std::max(top, values[j]);
  }
  // A row of -inf (everything masked) has log Σ exp = -inf, not NaN; NaN logits stay NaN.
  if (top == kNegativeInfinity) {
    *lse = kNegativeInfinity;
    return;
  }
  if (std::isnan(top) || std::isinf(top)) {
    *lse = top;
    return;
  }
#if defined(__x86_64__)
  const double sum = avx2 ? SumExpAvx2(x, n, top) : SumExpScalar(x, n, top);
#else
  const double sum = SumExpScalar(x, n, top);
#endif
  *lse = top + static_cast<float>(std::log(sum));
}

class CpuLogitsTopKPrimitive : public mx::Primitive {
 public:
  CpuLogitsTopKPrimitive(mx::Stream stream, int k) : mx::Primitive(stream), k_(k) {}

  void eval_cpu(const std::vector<mx::array>& inputs, std::vector<mx::array>& outputs) override {
    for (auto& out : outputs) out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(inputs[0]);
    for (auto& out : outputs) encoder.set_output_array(out);
    encoder.dispatch([logits = inputs[0], lse = outputs[0].data<float>(), ids = outputs[1].data<int32_t>(),
                      values = outputs[2].data<float>(), k = k_]() {
      // The input is row-contiguous (ensured when the op is built).
      const int64_t n = logits.shape(-1);
      const int64_t rows = n == 0 ? 0 : static_cast<int64_t>(logits.size()) / n;
      const float* x = logits.data<float>();
      const bool avx2 = qmm::HasAvx2(qmm::ActiveIsa());
      auto run = [&](int r) { Row(x + r * n, n, k, avx2, lse + r, ids + static_cast<int64_t>(r) * k, values + static_cast<int64_t>(r) * k); };
      if (rows == 1) {
        run(0);
      } else {
        CpuThreadPool::Shared().ParallelFor(static_cast<int>(rows), run);
      }
    });
  }

  void eval_gpu(const std::vector<mx::array>&, std::vector<mx::array>&) override {
    throw std::runtime_error("[logitsTopK] the fused kernel runs on the CPU only");
  }

  const char* name() const override { return "CpuLogitsTopK"; }

  bool is_equivalent(const mx::Primitive& other) const override { return k_ == static_cast<const CpuLogitsTopKPrimitive&>(other).k_; }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    const int rows = inputs[0].shape(0);
    return {{rows, 1}, {rows, k_}, {rows, k_}};
  }

 private:
  int k_;
};

}  // namespace

std::string CpuLogitsTopKUnsupported(const mx::array& logits, int k, const mx::Stream& stream) {
  if (stream.device.type != mx::Device::cpu) return "it runs on the CPU only";
  if (logits.dtype() != mx::float32) return "logits must be float32";
  if (logits.ndim() != 2) return "logits must be [rows, vocabulary]";
  if (k < 1 || k > logits.shape(1)) return "k must be in 1..vocabulary (" + std::to_string(logits.shape(1)) + "), got " + std::to_string(k);
  return "";
}

std::vector<mx::array> CpuLogitsTopK(const mx::array& logits, int k, const mx::Stream& stream) {
  const int rows = logits.shape(0);
  // A contiguous copy where needed (a slice of a wider matrix, a broadcast row).
  const mx::array input = mx::contiguous(logits, false, stream);
  return mx::array::make_arrays({{rows, 1}, {rows, k}, {rows, k}}, {mx::float32, mx::int32, mx::float32},
                                std::make_shared<CpuLogitsTopKPrimitive>(stream, k), {input});
}

}  // namespace mlxts
