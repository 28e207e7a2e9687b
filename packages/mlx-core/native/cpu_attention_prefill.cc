// A prompt's attention on the CPU as one node. MLX's CPU scaled_dot_product_attention builds a
// general graph there: the full L×S score matrix through BLAS, a `where` for the causal mask and
// a softmax whose exp runs one element at a time (libm's fmaf per element on x86-64): ~20% of
// Gemma 3 270M's 512-token prefill. This kernel works per query head and block of query rows:
// the block's keys are packed once into 16-key panels, scores come from a register-blocked FMA
// kernel over only the keys the causal mask lets the block see (about half of them), softmax is
// vectorized, and the weighted values come from the same FMA kernel reading the value rows in
// place. Query heads sharing a key/value head read the same keys and values (grouped-query).
#include "cpu_attention_prefill.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu_fallback_primitive.h"
#include "cpu_qmm.h"
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

// Query rows per unit of work: enough that packing the block's keys (S·D floats) is small
// beside the block's products (2·rows·S·D multiply-adds), few enough for units to balance.
constexpr int64_t kQueryBlock = 48;
constexpr int kTileRows = 6;
constexpr int kWideTileRows = 12;

// A [B, H, S, D] operand: element (b, h, s, d) at data + b·sb + h·sh + s·ss + d.
struct Operand {
  const float* data;
  int64_t sb, sh, ss;

  const float* Row(int64_t b, int64_t h, int64_t s) const { return data + b * sb + h * sh + s * ss; }
};

// The operand read in place, or, when its last axis is strided (a transposed view of the head
// dim, rare), a contiguous copy of it in `copy`.
Operand OperandOf(const mx::array& a, std::vector<float>& copy) {
  const auto& st = a.strides();
  if (a.shape(3) == 1 || st[3] == 1) {
    return {a.data<float>(), static_cast<int64_t>(st[0]), static_cast<int64_t>(st[1]), static_cast<int64_t>(st[2])};
  }
  const int64_t n0 = a.shape(0), n1 = a.shape(1), n2 = a.shape(2), n3 = a.shape(3);
  copy.resize(static_cast<size_t>(n0 * n1 * n2 * n3));
  const float* src = a.data<float>();
  float* dst = copy.data();
  for (int64_t i = 0; i < n0; ++i)
    for (int64_t j = 0; j < n1; ++j)
      for (int64_t s = 0; s < n2; ++s)
        for (int64_t x = 0; x < n3; ++x) *dst++ = src[i * st[0] + j * st[1] + s * st[2] + x * st[3]];
  return {copy.data(), n1 * n2 * n3, n2 * n3, n3};
}

struct Job {
  Operand q, k, v;
  float* out;
  int64_t batch, heads, kv_heads, queries, keys, dim;
  float scale;
  bool causal;
  // AVX-512 tiles (12 rows × 32 columns, 32-key panels) where the CPU has it, else AVX2 (6 × 16).
  bool avx512;
};

#if defined(__x86_64__)
// c[MR, 8·NV] = a[MR, kdim] (row stride lda) · b[kdim, 8·NV] (row stride ldb): MR·NV
// accumulators, one broadcast of a per row and k (6 rows × 16 columns fill 15 of 16 registers).
template <int MR, int NV>
MLXTS_AVX2 void Tile(const float* a, int64_t lda, int64_t kdim, const float* b, int64_t ldb, float* c, int64_t ldc) {
  __m256 acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();
  for (int64_t kk = 0; kk < kdim; ++kk) {
    __m256 bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_loadu_ps(b + kk * ldb + 8 * j);
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i * lda + kk);
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(av, bv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) _mm256_storeu_ps(c + i * ldc + 8 * j, acc[i][j]);
}

template <int NV>
MLXTS_AVX2 void TileRows(int rows, const float* a, int64_t lda, int64_t kdim, const float* b, int64_t ldb, float* c, int64_t ldc) {
  switch (rows) {
    case 1: return Tile<1, NV>(a, lda, kdim, b, ldb, c, ldc);
    case 2: return Tile<2, NV>(a, lda, kdim, b, ldb, c, ldc);
    case 3: return Tile<3, NV>(a, lda, kdim, b, ldb, c, ldc);
    case 4: return Tile<4, NV>(a, lda, kdim, b, ldb, c, ldc);
    case 5: return Tile<5, NV>(a, lda, kdim, b, ldb, c, ldc);
    default: return Tile<6, NV>(a, lda, kdim, b, ldb, c, ldc);
  }
}

// c[rows, cols] = a[rows, kdim] · b[kdim, cols] for cols a multiple of 8, in 6-row tiles.
MLXTS_AVX2 void Product(int64_t rows, const float* a, int64_t lda, int64_t kdim, const float* b, int64_t ldb, int64_t cols, float* c,
                        int64_t ldc) {
  for (int64_t r = 0; r < rows; r += kTileRows) {
    const int mr = static_cast<int>(std::min<int64_t>(kTileRows, rows - r));
    int64_t col = 0;
    for (; col + 16 <= cols; col += 16) TileRows<2>(mr, a + r * lda, lda, kdim, b + col, ldb, c + r * ldc + col, ldc);
    if (col < cols) TileRows<1>(mr, a + r * lda, lda, kdim, b + col, ldb, c + r * ldc + col, ldc);
  }
}

#ifndef MLXTS_AVX512
#define MLXTS_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma")))
#endif

// As Tile at twice the width: c[MR, 16·NV] = a · b, the last vector's columns masked by `last`
// (16 - 8·[a head dim ending in a half vector]).
template <int MR, int NV>
MLXTS_AVX512 void WideTile(const float* a, int64_t lda, int64_t kdim, const float* b, int64_t ldb, float* c, int64_t ldc, __mmask16 last) {
  __m512 acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  for (int64_t kk = 0; kk < kdim; ++kk) {
    __m512 bv[NV];
    for (int j = 0; j < NV - 1; ++j) bv[j] = _mm512_loadu_ps(b + kk * ldb + 16 * j);
    bv[NV - 1] = _mm512_maskz_loadu_ps(last, b + kk * ldb + 16 * (NV - 1));
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i * lda + kk]);
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i) {
    for (int j = 0; j < NV - 1; ++j) _mm512_storeu_ps(c + i * ldc + 16 * j, acc[i][j]);
    _mm512_mask_storeu_ps(c + i * ldc + 16 * (NV - 1), last, acc[i][NV - 1]);
  }
}

template <int NV>
MLXTS_AVX512 void WideTileRows(int rows, const float* a, int64_t lda, int64_t kdim, const float* b, int64_t ldb, float* c, int64_t ldc,
                               __mmask16 last) {
  switch (rows) {
    case 1: return WideTile<1, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 2: return WideTile<2, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 3: return WideTile<3, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 4: return WideTile<4, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 5: return WideTile<5, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 6: return WideTile<6, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 7: return WideTile<7, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 8: return WideTile<8, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 9: return WideTile<9, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 10: return WideTile<10, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    case 11: return WideTile<11, NV>(a, lda, kdim, b, ldb, c, ldc, last);
    default: return WideTile<12, NV>(a, lda, kdim, b, ldb, c, ldc, last);
  }
}

// Product with 12-row, 32-column tiles; a last run of 8 or 16 columns in one masked vector.
MLXTS_AVX512 void WideProduct(int64_t rows, const float* a, int64_t lda, int64_t kdim, const float* b, int64_t ldb, int64_t cols, float* c,
                              int64_t ldc) {
  constexpr __mmask16 kAll = 0xffff;
  for (int64_t r = 0; r < rows; r += kWideTileRows) {
    const int mr = static_cast<int>(std::min<int64_t>(kWideTileRows, rows - r));
    int64_t col = 0;
    for (; col + 32 <= cols; col += 32) WideTileRows<2>(mr, a + r * lda, lda, kdim, b + col, ldb, c + r * ldc + col, ldc, kAll);
    if (col < cols) {
      const int64_t left = cols - col;
      const __mmask16 last = left >= 16 ? kAll : static_cast<__mmask16>((1u << left) - 1);
      if (left > 16) {
        WideTileRows<2>(mr, a + r * lda, lda, kdim, b + col, ldb, c + r * ldc + col, ldc, static_cast<__mmask16>((1u << (left - 16)) - 1));
      } else {
        WideTileRows<1>(mr, a + r * lda, lda, kdim, b + col, ldb, c + r * ldc + col, ldc, last);
      }
    }
  }
}

// s[0 .. n) ← exp(s − max) / Σ, and s[n .. end) ← 0 (keys the row may not see).
MLXTS_AVX2 void SoftmaxRow(float* s, int64_t n, int64_t end) {
  __m256 mv = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) mv = _mm256_max_ps(mv, _mm256_loadu_ps(s + j));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, mv);
  float m = *std::max_element(lanes, lanes + 8);
  for (; j < n; ++j) m = std::max(m, s[j]);
  const __m256 mb = _mm256_set1_ps(m);
  __m256 total = _mm256_setzero_ps();
  j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), mb));
    _mm256_storeu_ps(s + j, e);
    total = _mm256_add_ps(total, e);
  }
  _mm256_store_ps(lanes, total);
  float sum = 0.0f;
  for (float x : lanes) sum += x;
  for (; j < n; ++j) {
    s[j] = std::exp(s[j] - m);
    sum += s[j];
  }
  const __m256 inv = _mm256_set1_ps(1.0f / sum);
  j = 0;
  for (; j + 8 <= n; j += 8) _mm256_storeu_ps(s + j, _mm256_mul_ps(_mm256_loadu_ps(s + j), inv));
  for (; j < n; ++j) s[j] *= 1.0f / sum;
  std::fill(s + n, s + end, 0.0f);
}

// One query head's rows [i0, i1) of batch row b.
MLXTS_AVX2 void Unit(const Job& job, int64_t b, int64_t h, int64_t i0, int64_t i1) {
  thread_local std::vector<float> qs, panels, scores;
  const int64_t d = job.dim;
  const int64_t rows = i1 - i0;
  const int64_t kvh = h / (job.heads / job.kv_heads);
  const int64_t shift = job.keys - job.queries;  // bottom-right alignment of the causal mask
  // Keys [0, seen) are visible to some row of the block.
  const int64_t seen = job.causal ? std::min(job.keys, i1 + shift) : job.keys;
  const int64_t panel_width = job.avx512 ? 32 : 16;
  const int64_t padded = (seen + panel_width - 1) / panel_width * panel_width;
  const auto product = job.avx512 ? WideProduct : Product;
  qs.resize(static_cast<size_t>(rows * d));
  panels.resize(static_cast<size_t>(padded * d));
  scores.resize(static_cast<size_t>(rows * padded));

  for (int64_t r = 0; r < rows; ++r) {
    const float* row = job.q.Row(b, h, i0 + r);
    for (int64_t x = 0; x < d; ++x) qs[r * d + x] = row[x] * job.scale;
  }
  // panels[p][x][j] = key (width·p + j)'s element x; zero past the last key.
  for (int64_t p = 0; p < padded / panel_width; ++p) {
    float* panel = panels.data() + p * d * panel_width;
    for (int64_t j = 0; j < panel_width; ++j) {
      const int64_t key = p * panel_width + j;
      if (key >= seen) {
        for (int64_t x = 0; x < d; ++x) panel[x * panel_width + j] = 0.0f;
        continue;
      }
      const float* src = job.k.Row(b, kvh, key);
      for (int64_t x = 0; x < d; ++x) panel[x * panel_width + j] = src[x];
    }
  }
  for (int64_t p = 0; p < padded / panel_width; ++p) {
    // Rows that see none of this panel's keys still get scores; their softmax zeroes them.
    product(rows, qs.data(), d, d, panels.data() + p * d * panel_width, panel_width, panel_width, scores.data() + p * panel_width, padded);
  }
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t visible = job.causal ? std::min(job.keys, i0 + r + shift + 1) : job.keys;
    SoftmaxRow(scores.data() + r * padded, visible, padded);
  }
  float* out = job.out + ((b * job.heads + h) * job.queries + i0) * d;
  product(rows, scores.data(), padded, seen, job.v.Row(b, kvh, 0), job.v.ss, d, out, d);
}

void Run(const Job& job) {
  const int64_t blocks = (job.queries + kQueryBlock - 1) / kQueryBlock;
  const int64_t heads = job.batch * job.heads;
  const int64_t units = heads * blocks;
  // Units are claimed in order: the last query blocks, which see the most keys, go first.
  const auto unit = [&](int64_t u) {
    const int64_t block = blocks - 1 - u / heads;
    const int64_t bh = u % heads;
    const int64_t i0 = block * kQueryBlock;
    Unit(job, bh / job.heads, bh % job.heads, i0, std::min(job.queries, i0 + kQueryBlock));
  };
  CpuThreadPool& pool = CpuThreadPool::Shared();
  // 2·L·S·D multiply-adds in all; below ~1M waking a worker costs more than it saves.
  if (units == 1 || pool.threads() == 1 || job.queries * job.keys * job.dim * heads < (1 << 20)) {
    for (int64_t u = 0; u < units; ++u) unit(u);
    return;
  }
  pool.ParallelFor(static_cast<int>(units), [&](int u) { unit(u); });
}
#endif

class CpuAttentionPrefillPrimitive : public CpuFallbackPrimitive {
 public:
  CpuAttentionPrefillPrimitive(mx::Stream stream, Fallback fallback, float scale, bool causal)
      : CpuFallbackPrimitive(stream, std::move(fallback)), scale_(scale), causal_(causal) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& in : inputs) encoder.set_input_array(in);
    encoder.set_output_array(out);
    encoder.dispatch([q = inputs[0], k = inputs[1], v = inputs[2], out_data = out.data<float>(), scale = scale_, causal = causal_]() {
#if defined(__x86_64__)
      std::vector<float> qc, kc, vc;
      const Job job{OperandOf(q, qc), OperandOf(k, kc), OperandOf(v, vc), out_data, q.shape(0), q.shape(1), k.shape(1),
                    q.shape(2),       k.shape(2),       q.shape(3),       scale,    causal,     qmm::ActiveIsa() == qmm::Isa::Avx512};
      Run(job);
#endif
    });
  }

  const char* name() const override { return "CpuAttentionPrefill"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const CpuAttentionPrefillPrimitive&>(other);
    return scale_ == o.scale_ && causal_ == o.causal_;
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override { return {inputs[0].shape()}; }

 private:
  float scale_;
  bool causal_;
};

}  // namespace

std::string CpuAttentionPrefillUnsupported(const mx::array& q, const mx::array& k, const mx::array& v, const mx::Stream& stream) {
  if (stream.device.type != mx::Device::cpu) return "runs on the CPU only";
  if (!qmm::HasAvx2(qmm::ActiveIsa())) return "needs a CPU with AVX2";
  if (q.dtype() != mx::float32 || k.dtype() != mx::float32 || v.dtype() != mx::float32) return "q, k and v must be float32";
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) return "q, k and v must be [B, heads, length, dim]";
  if (q.shape(2) < 2) return "q must hold more than one position";
  if (k.shape() != v.shape()) return "k and v must have one shape";
  if (k.shape(0) != q.shape(0) || k.shape(3) != q.shape(3)) return "k must match q's batch and head dim";
  if (k.shape(1) < 1 || q.shape(1) % k.shape(1) != 0) return "q's heads must be a multiple of k's";
  if (k.shape(2) < q.shape(2)) return "k must hold at least as many positions as q";
  if (q.shape(3) % 8 != 0) return "the head dim must be a multiple of 8";
  return "";
}

mx::array CpuAttentionPrefill(const mx::array& q, const mx::array& k, const mx::array& v, float scale, bool causal, const mx::Stream& stream) {
  const std::string why = CpuAttentionPrefillUnsupported(q, k, v, stream);
  if (!why.empty()) throw std::invalid_argument("[cpuAttentionPrefill] " + why);
  auto fallback = [scale, causal, stream](const std::vector<mx::array>& in) {
    return std::vector<mx::array>{
        mx::fast::scaled_dot_product_attention(in[0], in[1], in[2], scale, causal ? "causal" : "", std::nullopt, std::nullopt, false, stream)};
  };
  return mx::array(q.shape(), mx::float32, std::make_shared<CpuAttentionPrefillPrimitive>(stream, fallback, scale, causal), {q, k, v});
}

}  // namespace mlxts
