// GELU (tanh approximation) as one MLX primitive on the CPU. MLX's x86-64 CPU backend computes
// tanh and exp one element at a time, so the eight-op graph of gelu_tanh took about a fifth of a
// Gemma 3 prefill; this evaluates it in one pass, eight floats at a time with AVX2 + FMA where the
// CPU has them, as x·σ(2u) = x / (1 + e^(−2u)), u = √(2/π)·(x + 0.044715·x³) (the same function:
// 0.5·(1 + tanh u) = σ(2u)), split over the kernel thread pool for large arrays.
#include "cpu_gelu.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu_qmm.h"
#include "cpu_simd_exp.h"
#include "cpu_thread_pool.h"
#include "mlx/allocator.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace mx = mlx::core;

namespace mlxts {
namespace {

constexpr float kSqrt2OverPi = 0.7978845608028654f;
constexpr float kCubic = 0.044715f;

inline float GeluScalar(float x) {
  const float u = kSqrt2OverPi * (x + kCubic * x * x * x);
  return x / (1.0f + std::exp(-2.0f * u));
}

#if defined(__x86_64__)
MLXTS_AVX2 void GeluAvx2(const float* in, float* out, int64_t n) {
  const __m256 c = _mm256_set1_ps(-2.0f * kSqrt2OverPi);
  const __m256 cubic = _mm256_set1_ps(kCubic);
  const __m256 one = _mm256_set1_ps(1.0f);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(in + i);
    const __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(cubic, x), _mm256_mul_ps(x, x), x);
    const __m256 e = Exp8(_mm256_mul_ps(c, inner));
    _mm256_storeu_ps(out + i, _mm256_div_ps(x, _mm256_add_ps(one, e)));
  }
  for (; i < n; ++i) out[i] = GeluScalar(in[i]);
}
#endif

void GeluRange(const float* in, float* out, int64_t n) {
#if defined(__x86_64__)
  if (qmm::HasAvx2(qmm::ActiveIsa())) {
    GeluAvx2(in, out, n);
    return;
  }
#endif
  for (int64_t i = 0; i < n; ++i) out[i] = GeluScalar(in[i]);
}

// Below this many elements one thread does it all (waking workers costs more).
constexpr int64_t kMinParallel = 1 << 16;
constexpr int64_t kChunk = 1 << 14;

class CpuGeluTanhPrimitive : public mx::UnaryPrimitive {
 public:
  explicit CpuGeluTanhPrimitive(mx::Stream stream) : mx::UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    encoder.set_input_array(inputs[0]);
    encoder.set_output_array(out);
    encoder.dispatch([x = inputs[0], out_data = out.data<float>()]() {
      const float* in = x.data<float>();
      const int64_t n = static_cast<int64_t>(x.size());
      CpuThreadPool& pool = CpuThreadPool::Shared();
      if (n < kMinParallel || pool.threads() == 1) {
        GeluRange(in, out_data, n);
        return;
      }
      const int tasks = static_cast<int>((n + kChunk - 1) / kChunk);
      pool.ParallelFor(tasks, [&](int t) {
        const int64_t i0 = static_cast<int64_t>(t) * kChunk;
        GeluRange(in + i0, out_data + i0, std::min<int64_t>(kChunk, n - i0));
      });
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[cpuGeluTanh] runs on the CPU only");
  }

  const char* name() const override { return "CpuGeluTanh"; }
  bool is_equivalent(const mx::Primitive&) const override { return true; }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override { return {inputs[0].shape()}; }
};

}  // namespace

mx::array CpuGeluTanh(const mx::array& x, const mx::Stream& stream) {
  if (stream.device.type != mx::Device::cpu) throw std::invalid_argument("[cpuGeluTanh] runs on the CPU only");
  if (x.dtype() != mx::float32) throw std::invalid_argument("[cpuGeluTanh] x must be float32");
  // The kernel reads its input as one row-major run.
  const mx::array input = mx::contiguous(x, false, stream);
  return mx::array(input.shape(), mx::float32, std::make_shared<CpuGeluTanhPrimitive>(stream), {input});
}

}  // namespace mlxts
