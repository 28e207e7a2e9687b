// RMSNorm as one MLX primitive on the CPU. MLX has no CPU kernel for fast::rms_norm: on a CPU
// stream it returns its fallback graph (astype, square, mean, add, rsqrt, two multiplies), each
// node built from JS-visible cost and evaluated as its own CPU task, which made the six norms per
// Gemma 3 layer a large part of a decode step's small-op overhead. This is one node: a pass for
// the sum of squares and one for the scaled output per row, eight floats at a time with AVX2 +
// FMA where the CPU has them, rows split over the kernel thread pool for large inputs (prefill).
// Rows are read in place through their strides (the q/k norms run on a transposed view).
#include "cpu_rms_norm.h"

#include <algorithm>
#include <cmath>

#include "cpu_fallback_primitive.h"
#include "cpu_qmm.h"
#include "cpu_rows.h"
#include "cpu_simd_exp.h"
#include "cpu_thread_pool.h"
#include "mlx/allocator.h"
#include "mlx/backend/cpu/encoder.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mx = mlx::core;

namespace mlxts {
namespace {

// Σ x² accumulated in double: exact enough that the scalar path is a reference for the vector one.
float SumSquaresScalar(const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return static_cast<float>(s);
}

void ScaleRowScalar(const float* x, const float* w, float r, float* out, int64_t n) {
  if (w == nullptr) {
    for (int64_t i = 0; i < n; ++i) out[i] = x[i] * r;
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = (x[i] * r) * w[i];
  }
}

#if defined(__x86_64__)
MLXTS_AVX2 float SumSquaresAvx2(const float* x, int64_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    const __m256 v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);
    a0 = _mm256_fmadd_ps(v0, v0, a0);
    a1 = _mm256_fmadd_ps(v1, v1, a1);
    a2 = _mm256_fmadd_ps(v2, v2, a2);
    a3 = _mm256_fmadd_ps(v3, v3, a3);
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    a0 = _mm256_fmadd_ps(v, v, a0);
  }
  const __m256 sum = _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3));
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  float s = _mm_cvtss_f32(h);
  for (; i < n; ++i) s += x[i] * x[i];
  return s;
}

MLXTS_AVX2 void ScaleRowAvx2(const float* x, const float* w, float r, float* out, int64_t n) {
  const __m256 rv = _mm256_set1_ps(r);
  int64_t i = 0;
  if (w == nullptr) {
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(x + i), rv));
    for (; i < n; ++i) out[i] = x[i] * r;
    return;
  }
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), rv), _mm256_loadu_ps(w + i)));
  }
  for (; i < n; ++i) out[i] = (x[i] * r) * w[i];
}
#endif

struct Rows {
  const float* x;
  RowOffsets offsets;
  const float* w;  // nullptr: no weight
  float* out;
  int64_t length;
  float eps;
};

void NormRows(const Rows& job, int64_t first, int64_t count, bool avx2) {
  const int64_t n = job.length;
  std::vector<float> scratch;
  for (int64_t r = first; r < first + count; ++r) {
    const float* x = job.offsets.Row(job.x, r, scratch);
    float* out = job.out + r * n;
#if defined(__x86_64__)
    if (avx2) {
      const float ss = SumSquaresAvx2(x, n);
      ScaleRowAvx2(x, job.w, 1.0f / std::sqrt(ss / static_cast<float>(n) + job.eps), out, n);
      continue;
    }
#endif
    const float ss = SumSquaresScalar(x, n);
    ScaleRowScalar(x, job.w, 1.0f / std::sqrt(ss / static_cast<float>(n) + job.eps), out, n);
  }
}

// Below this many elements one thread does it all (waking workers costs more); a task is about
// this many elements' worth of whole rows.
constexpr int64_t kMinParallel = 1 << 15;
constexpr int64_t kTaskElements = 1 << 13;

class CpuRmsNormPrimitive : public CpuFallbackPrimitive {
 public:
  CpuRmsNormPrimitive(mx::Stream stream, Fallback fallback, float eps)
      : CpuFallbackPrimitive(stream, std::move(fallback)), eps_(eps) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& in : inputs) encoder.set_input_array(in);
    encoder.set_output_array(out);
    const std::optional<mx::array> weight = inputs.size() > 1 ? std::optional<mx::array>(inputs[1]) : std::nullopt;
    encoder.dispatch([x = inputs[0], weight, out_data = out.data<float>(), eps = eps_]() {
      const int64_t n = x.shape(-1);
      const int64_t rows = static_cast<int64_t>(x.size()) / n;
      // The weight as one contiguous run (it may be a strided view).
      std::vector<float> weight_copy;
      const float* w = nullptr;
      if (weight) w = RowOffsets(*weight).Row(weight->data<float>(), 0, weight_copy);
      const Rows job{x.data<float>(), RowOffsets(x), w, out_data, n, eps};
      const bool avx2 = qmm::HasAvx2(qmm::ActiveIsa());
      CpuThreadPool& pool = CpuThreadPool::Shared();
      if (rows == 1 || rows * n < kMinParallel || pool.threads() == 1) {
        NormRows(job, 0, rows, avx2);
        return;
      }
      const int64_t per_task = std::max<int64_t>(1, kTaskElements / n);
      const int tasks = static_cast<int>((rows + per_task - 1) / per_task);
      pool.ParallelFor(tasks, [&](int t) {
        const int64_t first = static_cast<int64_t>(t) * per_task;
        NormRows(job, first, std::min(per_task, rows - first), avx2);
      });
    });
  }

  const char* name() const override { return "CpuRmsNorm"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return eps_ == static_cast<const CpuRmsNormPrimitive&>(other).eps_;
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override { return {inputs[0].shape()}; }

 private:
  float eps_;
};

}  // namespace

std::string CpuRmsNormUnsupported(const mx::array& x, const std::optional<mx::array>& weight, const mx::Stream& stream) {
  if (stream.device.type != mx::Device::cpu) return "runs on the CPU only";
  if (x.dtype() != mx::float32) return "x must be float32";
  if (x.ndim() == 0 || x.size() == 0) return "x must have a last axis and elements";
  if (weight) {
    if (weight->dtype() != mx::float32) return "weight must be float32";
    if (weight->ndim() != 1 || weight->shape(0) != x.shape(-1)) return "weight must be one value per feature of x's last axis";
  }
  return "";
}

mx::array CpuRmsNorm(const mx::array& x, const std::optional<mx::array>& weight, float eps, const mx::Stream& stream) {
  const std::string why = CpuRmsNormUnsupported(x, weight, stream);
  if (!why.empty()) throw std::invalid_argument("[cpuRmsNorm] " + why);
  std::vector<mx::array> inputs{x};
  if (weight) inputs.push_back(*weight);
  const bool has_weight = weight.has_value();
  auto fallback = [eps, has_weight, stream](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{
        mx::fast::rms_norm(in[0], has_weight ? std::optional<mx::array>(in[1]) : std::nullopt, eps, stream)};
  };
  const mx::Shape shape = x.shape();
  return mx::array(shape, mx::float32, std::make_shared<CpuRmsNormPrimitive>(stream, fallback, eps), std::move(inputs));
}

}  // namespace mlxts
