// AVX2 + FMA kernels of cpu_qmm.h. Only the functions below carry the target attribute, so the
// rest of the addon (and every inline function it shares with this file) stays loadable on
// CPUs without AVX2; cpu_qmm.cc calls these only after checking the running CPU.
#if defined(__x86_64__)

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu_qmm.h"

#define MLXTS_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace mlxts::qmm {
namespace {

template <ScaleType S>
MLXTS_AVX2 inline float LoadScale(const void* p, int64_t i) {
  if constexpr (S == ScaleType::Float32) {
    return static_cast<const float*>(p)[i];
  } else if constexpr (S == ScaleType::BFloat16) {
    const uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(p)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  } else {
    return _cvtsh_ss(static_cast<const uint16_t*>(p)[i]);
  }
}

// Eight consecutive scales (or biases) from index i as floats.
template <ScaleType S>
MLXTS_AVX2 inline __m256 Load8(const void* p, int64_t i) {
  if constexpr (S == ScaleType::Float32) {
    return _mm256_loadu_ps(static_cast<const float*>(p) + i);
  } else {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(p) + i));
    if constexpr (S == ScaleType::Float16) {
      return _mm256_cvtph_ps(h);
    } else {
      return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    }
  }
}

// 8 consecutive biases from index i, or bias_factor × the scales where biases are not stored.
template <ScaleType S>
MLXTS_AVX2 inline __m256 LoadBias8(const Problem& p, int64_t i) {
  if (p.biases != nullptr) return Load8<S>(p.biases, i);
  return _mm256_mul_ps(Load8<S>(p.scales, i), _mm256_set1_ps(p.bias_factor));
}

template <ScaleType S>
MLXTS_AVX2 inline float LoadBias(const Problem& p, int64_t i) {
  return p.biases != nullptr ? LoadScale<S>(p.biases, i) : p.bias_factor * LoadScale<S>(p.scales, i);
}

// count scales from index i into out[0 .. count) as floats.
template <ScaleType S>
MLXTS_AVX2 inline void WidenScales(const void* p, int64_t i, int64_t count, float* out) {
  int64_t g = 0;
  for (; g + 8 <= count; g += 8) _mm256_store_ps(out + g, Load8<S>(p, i + g));
  for (; g < count; ++g) out[g] = LoadScale<S>(p, i + g);
}

// 5-bit values form one little-endian bit stream per row (value j at bits 5j .. 5j+4), 32 of
// them in 20 bytes. A byte shuffle moves the one or two bytes holding value j into dword lane j,
// a per-lane shift and a mask finish it. Ctrl5 is lane j's shuffle control for a 16-byte window
// that starts `base` bytes into the value's 20-byte block (0x80 zeroes a byte).
constexpr int32_t Ctrl5(int base, int j) {
  const int bit = 5 * j;
  const int b = (bit >> 3) - base;
  const int s = bit & 7;
  return static_cast<int32_t>(static_cast<uint32_t>(b) | (static_cast<uint32_t>(s > 3 ? b + 1 : 0x80) << 8) | (0x80u << 16) | (0x80u << 24));
}

// Values 16·h .. 16·h+15 of a 20-byte block starting at p − 10·h (h: which half), as two float
// vectors. The window is the block's first 16 bytes for the first half, its last 16 for the
// second, so nothing past the block is read.
MLXTS_AVX2 inline void Unpack16Bits5(const uint8_t* p, bool second, __m256& lo, __m256& hi) {
  const __m256i shifts = _mm256_setr_epi32(0, 5, 2, 7, 4, 1, 6, 3);
  const __m256i mask = _mm256_set1_epi32(0x1f);
  __m256i c0, c1;
  const uint8_t* window;
  if (second) {
    window = p - 6;  // block bytes 4 .. 19
    c0 = _mm256_setr_epi32(Ctrl5(4, 16), Ctrl5(4, 17), Ctrl5(4, 18), Ctrl5(4, 19), Ctrl5(4, 20), Ctrl5(4, 21), Ctrl5(4, 22), Ctrl5(4, 23));
    c1 = _mm256_setr_epi32(Ctrl5(4, 24), Ctrl5(4, 25), Ctrl5(4, 26), Ctrl5(4, 27), Ctrl5(4, 28), Ctrl5(4, 29), Ctrl5(4, 30), Ctrl5(4, 31));
  } else {
    window = p;  // block bytes 0 .. 15
    c0 = _mm256_setr_epi32(Ctrl5(0, 0), Ctrl5(0, 1), Ctrl5(0, 2), Ctrl5(0, 3), Ctrl5(0, 4), Ctrl5(0, 5), Ctrl5(0, 6), Ctrl5(0, 7));
    c1 = _mm256_setr_epi32(Ctrl5(0, 8), Ctrl5(0, 9), Ctrl5(0, 10), Ctrl5(0, 11), Ctrl5(0, 12), Ctrl5(0, 13), Ctrl5(0, 14), Ctrl5(0, 15));
  }
  const __m256i bytes = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(window)));
  lo = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(bytes, c0), shifts), mask));
  hi = _mm256_cvtepi32_ps(_mm256_and_si256(_mm256_srlv_epi32(_mm256_shuffle_epi8(bytes, c1), shifts), mask));
}

// 16 consecutive quantized values as two float vectors. 8- and 5-bit: values 0-7 and 8-15.
// 4-bit: byte j holds values 2j (low nibble) and 2j+1 (high), so the vectors hold the even
// and the odd values; the matvec kernel reorders x to match, the panel packer un-interleaves.
template <int BITS>
MLXTS_AVX2 inline void Unpack16(const uint8_t* p, int64_t value_index, __m256& lo, __m256& hi) {
  if constexpr (BITS == 5) {
    Unpack16Bits5(p, (value_index & 16) != 0, lo, hi);
  } else if constexpr (BITS == 4) {
    const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    lo = _mm256_cvtepi32_ps(_mm256_and_si256(bytes, _mm256_set1_epi32(0xf)));
    hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(bytes, 4));
  } else {
    lo = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
    hi = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 8))));
  }
}

MLXTS_AVX2 inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// How far ahead (in weight rows) the matrix-vector kernels prefetch.
constexpr int64_t kPrefetchRows = 8;

// MR rows of x against NR consecutive weight rows starting at n: per group, Σ x·q in vector
// accumulators (two chains per pair), scaled once per group; the bias term b·Σx at the end.
template <int BITS, int MR, int NR, ScaleType S>
MLXTS_AVX2 void VectorBlock(const Problem& p, const Prepared& prep, int64_t n) {
  const int64_t k = p.k;
  const int group = p.group;
  const int64_t groups = k / group;
  const int64_t row_bytes = k * BITS / 8;
  const uint8_t* w = reinterpret_cast<const uint8_t*>(p.w) + n * row_bytes;
  // float16/bfloat16 scales of these rows widened once, eight at a time, rather than one per
  // group and row inside the loop (where the scalar conversions cost more than the halved bytes
  // save); rows with too many groups for the buffer convert as they go.
  constexpr int kMaxGroups = 256;
  alignas(32) float wide[NR][kMaxGroups];
  const bool widened = S != ScaleType::Float32 && groups <= kMaxGroups;
  if (widened) {
    for (int r = 0; r < NR; ++r) WidenScales<S>(p.scales, (n + r) * groups, groups, wide[r]);
  }
  __m256 total[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int r = 0; r < NR; ++r) total[i][r] = _mm256_setzero_ps();
  // The weight rows a few blocks ahead, fetched by hand: each row is a stream of a few cache
  // lines (640 values), too short for the hardware prefetcher, and without this the kernel
  // waited on memory at a third of what one core streams (head 262144×640, 8-bit).
  const int64_t ahead = std::min<int64_t>(kPrefetchRows, p.n - n - NR);
  const uint8_t* next = w + ahead * row_bytes;
  if (ahead > 0) {
    constexpr int64_t scale_bytes = S == ScaleType::Float32 ? 4 : 2;
    const char* sp = static_cast<const char*>(p.scales) + (n + ahead) * groups * scale_bytes;
    const char* bp = static_cast<const char*>(p.biases) + (p.biases != nullptr ? (n + ahead) * groups * scale_bytes : 0);
    for (int64_t off = 0; off < NR * groups * scale_bytes; off += 64) {
      _mm_prefetch(sp + off, _MM_HINT_T0);
      if (p.biases != nullptr) _mm_prefetch(bp + off, _MM_HINT_T0);
    }
  }

  for (int64_t g = 0; g < groups; ++g) {
    __m256 acc0[MR][NR];
    __m256 acc1[MR][NR];
    for (int i = 0; i < MR; ++i)
      for (int r = 0; r < NR; ++r) acc0[i][r] = acc1[i][r] = _mm256_setzero_ps();
    const int64_t k0 = g * group;
    for (int c = 0; c < group; c += 16) {
#pragma GCC unroll 4
      for (int r = 0; r < NR; ++r) {
        const int64_t at = r * row_bytes + (k0 + c) * BITS / 8;
        // The line a chunk's last byte falls in: every line of the row starts inside some chunk
        // (5-bit chunks of 10 bytes do not divide a line, 4- and 8-bit ones do).
        constexpr int chunk_bytes = 16 * BITS / 8;
        if (ahead > 0 && ((k0 + c) * BITS / 8) % 64 < chunk_bytes) {
          _mm_prefetch(reinterpret_cast<const char*>(next + at + chunk_bytes - 1), _MM_HINT_T0);
        }
        __m256 lo, hi;
        Unpack16<BITS>(w + at, k0 + c, lo, hi);
#pragma GCC unroll 4
        for (int i = 0; i < MR; ++i) {
          const float* xp = prep.xp + i * k + k0 + c;
          acc0[i][r] = _mm256_fmadd_ps(lo, _mm256_loadu_ps(xp), acc0[i][r]);
          acc1[i][r] = _mm256_fmadd_ps(hi, _mm256_loadu_ps(xp + 8), acc1[i][r]);
        }
      }
    }
    for (int r = 0; r < NR; ++r) {
      const __m256 s = _mm256_set1_ps(widened ? wide[r][g] : LoadScale<S>(p.scales, (n + r) * groups + g));
      for (int i = 0; i < MR; ++i) total[i][r] = _mm256_fmadd_ps(_mm256_add_ps(acc0[i][r], acc1[i][r]), s, total[i][r]);
    }
  }
  // The bias term Σ_g b·Σx, eight groups at a time.
  for (int r = 0; r < NR; ++r) {
    const int64_t base = (n + r) * groups;
    for (int i = 0; i < MR; ++i) {
      const float* xs = prep.xsum + i * groups;
      __m256 vb = _mm256_setzero_ps();
      int64_t g = 0;
      for (; g + 8 <= groups; g += 8) vb = _mm256_fmadd_ps(LoadBias8<S>(p, base + g), _mm256_loadu_ps(xs + g), vb);
      float bias = HorizontalSum(vb);
      for (; g < groups; ++g) bias += LoadBias<S>(p, base + g) * xs[g];
      p.out[i * p.n + n + r] = HorizontalSum(total[i][r]) + bias;
    }
  }
}

template <int BITS, int MR, ScaleType S>
MLXTS_AVX2 void VectorRows(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  // Fewer x rows leave registers for more weight rows at once (more independent chains).
  constexpr int NR = MR == 1 ? 4 : MR == 2 ? 2 : 1;
  int64_t n = n0;
  for (; n + NR <= n1; n += NR) VectorBlock<BITS, MR, NR, S>(p, prep, n);
  for (; n < n1; ++n) VectorBlock<BITS, MR, 1, S>(p, prep, n);
}

template <int BITS, ScaleType S>
MLXTS_AVX2 void VectorRowsOf(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  switch (p.m) {
    case 1: return VectorRows<BITS, 1, S>(p, prep, n0, n1);
    case 2: return VectorRows<BITS, 2, S>(p, prep, n0, n1);
    case 3: return VectorRows<BITS, 3, S>(p, prep, n0, n1);
    default: return VectorRows<BITS, 4, S>(p, prep, n0, n1);
  }
}

// More than four x rows (a decode step of a batch): groups of four rows over chunks of output
// columns small enough to stay in cache, so that each chunk's weights come from memory once and
// from cache for the other groups. Dequantizing whole panels for the matrix kernel costs more
// than this until the batch is large.
template <int BITS, ScaleType S>
MLXTS_AVX2 void VectorSliceTyped(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  if (p.m <= 4) return VectorRowsOf<BITS, S>(p, prep, n0, n1);
  constexpr int64_t kChunk = 64;
  const int64_t groups = p.k / p.group;
  for (int64_t c0 = n0; c0 < n1; c0 += kChunk) {
    const int64_t c1 = std::min(n1, c0 + kChunk);
    for (int64_t m0 = 0; m0 < p.m; m0 += 4) {
      Problem rows = p;
      rows.m = std::min<int64_t>(4, p.m - m0);
      rows.x = p.x + m0 * p.k;
      rows.out = p.out + m0 * p.n;
      const Prepared part{prep.xp + m0 * p.k, prep.xsum + m0 * groups};
      VectorRowsOf<BITS, S>(rows, part, c0, c1);
    }
  }
}

// r[0..8) ← its transpose: 32-bit pairs, 64-bit pairs, then 128-bit halves.
MLXTS_AVX2 inline void Transpose8(__m256 r[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4h + c], half L: column 4L + c of rows 4h .. 4h+3.
  for (int h = 0; h < 2; ++h) {
    u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
    u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
    u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
    u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

// Dequantizes weight rows n .. n+15 into panel[k][16] (rows past N are zero): two aligned loads
// per k in the micro-kernel. Per 8 rows and 16 values of k, each row's values are dequantized
// with vector stores into an 8×16 tile, whose two 8×8 halves are transposed in registers into the
// panel (a scalar store per value costs a third of the kernel's time).
template <int BITS, ScaleType S>
MLXTS_AVX2 void PackPanel(const Problem& p, int64_t n, float* panel) {
  const int64_t k = p.k;
  const int group = p.group;
  const int64_t groups = k / group;
  const int64_t row_bytes = k * BITS / 8;
  alignas(32) float tile[8][16];
  for (int r0 = 0; r0 < kPanel; r0 += 8) {
    for (int64_t c = 0; c < k; c += 16) {
      const int64_t g = c / group;
      for (int r = 0; r < 8; ++r) {
        const int64_t row = n + r0 + r;
        if (row >= p.n) {
          _mm256_store_ps(tile[r], _mm256_setzero_ps());
          _mm256_store_ps(tile[r] + 8, _mm256_setzero_ps());
          continue;
        }
        const __m256 s = _mm256_set1_ps(LoadScale<S>(p.scales, row * groups + g));
        const __m256 b = _mm256_set1_ps(LoadBias<S>(p, row * groups + g));
        __m256 lo, hi;
        Unpack16<BITS>(reinterpret_cast<const uint8_t*>(p.w) + row * row_bytes + c * BITS / 8, c, lo, hi);
        if constexpr (BITS == 4) {
          // Even and odd values back in order: (0-3 | 8-11) and (4-7 | 12-15), then halves.
          const __m256 a = _mm256_unpacklo_ps(lo, hi);
          const __m256 d = _mm256_unpackhi_ps(lo, hi);
          lo = _mm256_permute2f128_ps(a, d, 0x20);
          hi = _mm256_permute2f128_ps(a, d, 0x31);
        }
        _mm256_store_ps(tile[r], _mm256_fmadd_ps(lo, s, b));
        _mm256_store_ps(tile[r] + 8, _mm256_fmadd_ps(hi, s, b));
      }
      for (int half = 0; half < 2; ++half) {
        __m256 t[8];
        for (int r = 0; r < 8; ++r) t[r] = _mm256_load_ps(tile[r] + 8 * half);
        Transpose8(t);
        for (int j = 0; j < 8; ++j) _mm256_store_ps(panel + (c + 8 * half + j) * kPanel + r0, t[j]);
      }
    }
  }
}

// out[MR, 16] = x[MR, K] · panel[K, 16]: 2·MR accumulators, one broadcast of x per row and k.
template <int MR>
MLXTS_AVX2 void MicroKernel(const float* x, int64_t k, const float* panel, float* out, int64_t ldo, int cols) {
  __m256 c0[MR];
  __m256 c1[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm256_setzero_ps();
  for (int64_t j = 0; j < k; ++j) {
    const __m256 b0 = _mm256_load_ps(panel + j * kPanel);
    const __m256 b1 = _mm256_load_ps(panel + j * kPanel + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 a = _mm256_broadcast_ss(x + i * k + j);
      c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
    }
  }
  if (cols == kPanel) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      _mm256_storeu_ps(out + i * ldo, c0[i]);
      _mm256_storeu_ps(out + i * ldo + 8, c1[i]);
    }
    return;
  }
  // A partial panel: masked stores of the first `cols` columns.
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i mask0 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols), lane);
  const __m256i mask1 = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols - 8), lane);
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    _mm256_maskstore_ps(out + i * ldo, mask0, c0[i]);
    _mm256_maskstore_ps(out + i * ldo + 8, mask1, c1[i]);
  }
}

constexpr int kMicroRows = 6;

template <int BITS, ScaleType S>
MLXTS_AVX2 void MatrixSliceTyped(const Problem& p, int64_t n0, int64_t n1, float* panel) {
  for (int64_t n = n0; n < n1; n += kPanel) {
    PackPanel<BITS, S>(p, n, panel);
    const int cols = static_cast<int>(std::min<int64_t>(kPanel, n1 - n));
    int64_t m = 0;
    for (; m + kMicroRows <= p.m; m += kMicroRows) MicroKernel<kMicroRows>(p.x + m * p.k, p.k, panel, p.out + m * p.n + n, p.n, cols);
    const float* x = p.x + m * p.k;
    float* out = p.out + m * p.n + n;
    switch (p.m - m) {
      case 1: MicroKernel<1>(x, p.k, panel, out, p.n, cols); break;
      case 2: MicroKernel<2>(x, p.k, panel, out, p.n, cols); break;
      case 3: MicroKernel<3>(x, p.k, panel, out, p.n, cols); break;
      case 4: MicroKernel<4>(x, p.k, panel, out, p.n, cols); break;
      case 5: MicroKernel<5>(x, p.k, panel, out, p.n, cols); break;
      default: break;
    }
  }
}

template <int BITS>
MLXTS_AVX2 void VectorSliceBits(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  switch (p.scale_type) {
    case ScaleType::Float32: return VectorSliceTyped<BITS, ScaleType::Float32>(p, prep, n0, n1);
    case ScaleType::BFloat16: return VectorSliceTyped<BITS, ScaleType::BFloat16>(p, prep, n0, n1);
    case ScaleType::Float16: return VectorSliceTyped<BITS, ScaleType::Float16>(p, prep, n0, n1);
  }
}

template <int BITS>
MLXTS_AVX2 void MatrixSliceBits(const Problem& p, int64_t n0, int64_t n1, float* panel) {
  switch (p.scale_type) {
    case ScaleType::Float32: return MatrixSliceTyped<BITS, ScaleType::Float32>(p, n0, n1, panel);
    case ScaleType::BFloat16: return MatrixSliceTyped<BITS, ScaleType::BFloat16>(p, n0, n1, panel);
    case ScaleType::Float16: return MatrixSliceTyped<BITS, ScaleType::Float16>(p, n0, n1, panel);
  }
}

// The panel buffer of the calling thread, grown on demand and 32-byte aligned (no target
// attribute: plain library code).
float* PanelBuffer(int64_t k) {
  thread_local std::vector<float> storage;
  const size_t need = static_cast<size_t>(k * kPanel + 8);
  if (storage.size() < need) storage.resize(need);
  const auto addr = reinterpret_cast<uintptr_t>(storage.data());
  return reinterpret_cast<float*>((addr + 31) & ~static_cast<uintptr_t>(31));
}

}  // namespace

void Avx2VectorSlice(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  if (p.bits == 4) {
    VectorSliceBits<4>(p, prep, n0, n1);
  } else if (p.bits == 5) {
    VectorSliceBits<5>(p, prep, n0, n1);
  } else {
    VectorSliceBits<8>(p, prep, n0, n1);
  }
}

void Avx2MatrixSlice(const Problem& p, int64_t n0, int64_t n1) {
  float* panel = PanelBuffer(p.k);
  if (p.bits == 4) {
    MatrixSliceBits<4>(p, n0, n1, panel);
  } else if (p.bits == 5) {
    MatrixSliceBits<5>(p, n0, n1, panel);
  } else {
    MatrixSliceBits<8>(p, n0, n1, panel);
  }
}

}  // namespace mlxts::qmm

#endif  // __x86_64__
