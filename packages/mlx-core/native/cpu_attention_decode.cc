// One query position against every cached key (a decode step) as one node on the CPU. MLX's CPU
// scaled_dot_product_attention builds a general graph there (scale, two matmuls through BLAS with
// a transposed view of the keys, a softmax): five nodes per layer, and BLAS calls so small that
// its threading costs more than the product (Gemma 3 270M at 512 keys: ~5 ms of a 20 ms step over
// 18 layers). This reads each key and value row once for all the query heads that share it,
// scores in float32, softmax with the max subtracted, and accumulates the weighted values: a
// single pass over the cache. Rows are read in place through their strides (a cache's views).
#include "cpu_attention_decode.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

float DotScalar(const float* a, const float* b, int64_t n) {
  float s = 0.0f;
  for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

void AxpyScalar(float a, const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

#if defined(__x86_64__)
MLXTS_AVX2 float DotAvx2(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  const __m256 sum = _mm256_add_ps(s0, s1);
  __m128 h = _mm_add_ps(_mm256_castps256_ps128(sum), _mm256_extractf128_ps(sum, 1));
  h = _mm_add_ps(h, _mm_movehl_ps(h, h));
  h = _mm_add_ss(h, _mm_movehdup_ps(h));
  float s = _mm_cvtss_f32(h);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

MLXTS_AVX2 void AxpyAvx2(float a, const float* x, float* y, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}
#endif

struct Job {
  const float* q;
  const float* k;
  const float* v;
  RowOffsets q_rows, k_rows, v_rows;
  float* out;
  int64_t heads, kv_heads, keys, dim;
  float scale;
};

// The query heads of kv head `unit` (= b·Hkv + h): scores, softmax, weighted values.
void Unit(const Job& job, int64_t unit, bool avx2) {
  const int64_t group = job.heads / job.kv_heads;
  const int64_t b = unit / job.kv_heads;
  const int64_t h = unit % job.kv_heads;
  const int64_t d = job.dim;
  const int64_t l = job.keys;
  std::vector<float> scratch, qs(static_cast<size_t>(group * d)), scores(static_cast<size_t>(group * l));
  for (int64_t g = 0; g < group; ++g) {
    const float* row = job.q_rows.Row(job.q, b * job.heads + h * group + g, scratch);
    for (int64_t i = 0; i < d; ++i) qs[g * d + i] = row[i] * job.scale;
  }
  const auto dot = [&](const float* a, const float* x) {
#if defined(__x86_64__)
    if (avx2) return DotAvx2(a, x, d);
#endif
    return DotScalar(a, x, d);
  };
  const auto axpy = [&](float a, const float* x, float* y) {
#if defined(__x86_64__)
    if (avx2) return AxpyAvx2(a, x, y, d);
#endif
    AxpyScalar(a, x, y, d);
  };
  const int64_t first = (b * job.kv_heads + h) * l;
  for (int64_t j = 0; j < l; ++j) {
    const float* key = job.k_rows.Row(job.k, first + j, scratch);
    for (int64_t g = 0; g < group; ++g) scores[g * l + j] = dot(qs.data() + g * d, key);
  }
  for (int64_t g = 0; g < group; ++g) {
    float* s = scores.data() + g * l;
    const float m = *std::max_element(s, s + l);
    float total = 0.0f;
    for (int64_t j = 0; j < l; ++j) {
      s[j] = std::exp(s[j] - m);
      total += s[j];
    }
    const float inv = 1.0f / total;
    for (int64_t j = 0; j < l; ++j) s[j] *= inv;
  }
  float* out = job.out + (b * job.heads + h * group) * d;
  std::fill(out, out + group * d, 0.0f);
  for (int64_t j = 0; j < l; ++j) {
    const float* value = job.v_rows.Row(job.v, first + j, scratch);
    for (int64_t g = 0; g < group; ++g) axpy(scores[g * l + j], value, out + g * d);
  }
}

class CpuAttentionDecodePrimitive : public CpuFallbackPrimitive {
 public:
  CpuAttentionDecodePrimitive(mx::Stream stream, Fallback fallback, float scale)
      : CpuFallbackPrimitive(stream, std::move(fallback)), scale_(scale) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& in : inputs) encoder.set_input_array(in);
    encoder.set_output_array(out);
    encoder.dispatch([q = inputs[0], k = inputs[1], v = inputs[2], out_data = out.data<float>(), scale = scale_]() {
      const Job job{q.data<float>(), k.data<float>(), v.data<float>(), RowOffsets(q), RowOffsets(k), RowOffsets(v), out_data,
                    q.shape(1),      k.shape(1),      k.shape(2),      q.shape(3),   scale};
      const bool avx2 = qmm::HasAvx2(qmm::ActiveIsa());
      const int64_t units = q.shape(0) * job.kv_heads;
      CpuThreadPool& pool = CpuThreadPool::Shared();
      // One unit reads 2·L·D floats; below ~256 KB of them waking a worker costs more.
      if (units == 1 || pool.threads() == 1 || units * job.keys * job.dim < (1 << 16)) {
        for (int64_t u = 0; u < units; ++u) Unit(job, u, avx2);
        return;
      }
      pool.ParallelFor(static_cast<int>(units), [&](int u) { Unit(job, u, avx2); });
    });
  }

  const char* name() const override { return "CpuAttentionDecode"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    return scale_ == static_cast<const CpuAttentionDecodePrimitive&>(other).scale_;
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override { return {inputs[0].shape()}; }

 private:
  float scale_;
};

}  // namespace

std::string CpuAttentionDecodeUnsupported(const mx::array& q, const mx::array& k, const mx::array& v, const mx::Stream& stream) {
  if (stream.device.type != mx::Device::cpu) return "runs on the CPU only";
  if (q.dtype() != mx::float32 || k.dtype() != mx::float32 || v.dtype() != mx::float32) return "q, k and v must be float32";
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) return "q, k and v must be [B, heads, length, dim]";
  if (q.shape(2) != 1) return "q must hold one position";
  if (k.shape() != v.shape()) return "k and v must have one shape";
  if (k.shape(0) != q.shape(0) || k.shape(3) != q.shape(3)) return "k must match q's batch and head dim";
  if (k.shape(1) < 1 || q.shape(1) % k.shape(1) != 0) return "q's heads must be a multiple of k's";
  if (k.shape(2) < 1 || q.shape(3) < 1) return "k must hold at least one position";
  return "";
}

mx::array CpuAttentionDecode(const mx::array& q, const mx::array& k, const mx::array& v, float scale, const mx::Stream& stream) {
  const std::string why = CpuAttentionDecodeUnsupported(q, k, v, stream);
  if (!why.empty()) throw std::invalid_argument("[cpuAttentionDecode] " + why);
  auto fallback = [scale, stream](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{mx::fast::scaled_dot_product_attention(in[0], in[1], in[2], scale, "", std::nullopt, std::nullopt, false, stream)};
  };
  return mx::array(q.shape(), mx::float32, std::make_shared<CpuAttentionDecodePrimitive>(stream, fallback, scale), {q, k, v});
}

}  // namespace mlxts
