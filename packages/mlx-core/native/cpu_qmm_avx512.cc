// AVX-512 kernels of cpu_qmm.h: the AVX2 kernels' structure at twice the width. On cores with
// full-width 512-bit units (measured here: 230 vs 115 GFLOP/s of FMA per core) the matrix-vector
// products stop being bound by widening bytes to floats and the blocked matrix product by FMA
// throughput; on double-pumped cores they cost no more than the AVX2 ones. Only these functions
// carry the target attribute; cpu_qmm.cc calls them after checking the running CPU.
#if defined(__x86_64__)

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu_qmm.h"

#define MLXTS_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

namespace mlxts::qmm {
namespace {

template <ScaleType S>
MLXTS_AVX512 inline float LoadScale(const void* p, int64_t i) {
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

// Sixteen consecutive scales (or biases) from index i as floats.
template <ScaleType S>
MLXTS_AVX512 inline __m512 Load16(const void* p, int64_t i) {
  if constexpr (S == ScaleType::Float32) {
    return _mm512_loadu_ps(static_cast<const float*>(p) + i);
  } else {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(p) + i));
    if constexpr (S == ScaleType::Float16) {
      return _mm512_cvtph_ps(h);
    } else {
      return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
    }
  }
}

// 16 consecutive biases from index i, or bias_factor × the scales where biases are not stored.
template <ScaleType S>
MLXTS_AVX512 inline __m512 LoadBias16(const Problem& p, int64_t i) {
  if (p.biases != nullptr) return Load16<S>(p.biases, i);
  return _mm512_mul_ps(Load16<S>(p.scales, i), _mm512_set1_ps(p.bias_factor));
}

template <ScaleType S>
MLXTS_AVX512 inline float LoadBias(const Problem& p, int64_t i) {
  return p.biases != nullptr ? LoadScale<S>(p.biases, i) : p.bias_factor * LoadScale<S>(p.scales, i);
}

template <ScaleType S>
MLXTS_AVX512 inline void WidenScales(const void* p, int64_t i, int64_t count, float* out) {
  int64_t g = 0;
  for (; g + 16 <= count; g += 16) _mm512_store_ps(out + g, Load16<S>(p, i + g));
  for (; g < count; ++g) out[g] = LoadScale<S>(p, i + g);
}

// 5-bit values form one little-endian bit stream per row (value j at bits 5j .. 5j+4), 32 of
// them in 20 bytes: a byte shuffle (within each 128-bit lane of a broadcast 16-byte window) moves
// the one or two bytes holding value j into dword lane j, a per-lane shift and a mask finish it.
// Ctrl5 is lane j's control for a window starting `base` bytes into the block (0x80 zeroes).
constexpr int32_t Ctrl5(int base, int j) {
  const int bit = 5 * j;
  const int b = (bit >> 3) - base;
  const int s = bit & 7;
  return static_cast<int32_t>(static_cast<uint32_t>(b) | (static_cast<uint32_t>(s > 3 ? b + 1 : 0x80) << 8) | (0x80u << 16) | (0x80u << 24));
}

// The controls of values 0-15 (window at byte 0) and 16-31 (window at byte 4).
alignas(64) constexpr int32_t kFirstControls5[16] = {Ctrl5(0, 0), Ctrl5(0, 1), Ctrl5(0, 2),   Ctrl5(0, 3),   Ctrl5(0, 4),  Ctrl5(0, 5),
                                                     Ctrl5(0, 6), Ctrl5(0, 7), Ctrl5(0, 8),   Ctrl5(0, 9),   Ctrl5(0, 10), Ctrl5(0, 11),
                                                     Ctrl5(0, 12), Ctrl5(0, 13), Ctrl5(0, 14), Ctrl5(0, 15)};
alignas(64) constexpr int32_t kLastControls5[16] = {Ctrl5(4, 16), Ctrl5(4, 17), Ctrl5(4, 18), Ctrl5(4, 19), Ctrl5(4, 20), Ctrl5(4, 21),
                                                    Ctrl5(4, 22), Ctrl5(4, 23), Ctrl5(4, 24), Ctrl5(4, 25), Ctrl5(4, 26), Ctrl5(4, 27),
                                                    Ctrl5(4, 28), Ctrl5(4, 29), Ctrl5(4, 30), Ctrl5(4, 31)};

// 32 consecutive quantized values as two float vectors. 8- and 5-bit: values 0-15 and 16-31. 4-bit:
// byte j holds values 2j (low nibble) and 2j+1 (high), so the vectors hold the even and the odd
// values of the run; the matrix-vector kernel reorders x to match (cpu_qmm.cc), the panel packer
// un-interleaves.
template <int BITS>
MLXTS_AVX512 inline void Unpack32(const uint8_t* p, __m512& lo, __m512& hi) {
  if constexpr (BITS == 5) {
    // Values 0-15 from the block's bytes 0-15, values 16-31 from its bytes 4-19.
    const __m512i shifts = _mm512_setr_epi32(0, 5, 2, 7, 4, 1, 6, 3, 0, 5, 2, 7, 4, 1, 6, 3);
    const __m512i mask = _mm512_set1_epi32(0x1f);
    const __m512i first = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    const __m512i last = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 4)));
    const __m512i c0 = _mm512_load_si512(kFirstControls5);
    const __m512i c1 = _mm512_load_si512(kLastControls5);
    lo = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srlv_epi32(_mm512_shuffle_epi8(first, c0), shifts), mask));
    hi = _mm512_cvtepi32_ps(_mm512_and_si512(_mm512_srlv_epi32(_mm512_shuffle_epi8(last, c1), shifts), mask));
  } else if constexpr (BITS == 4) {
    const __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    lo = _mm512_cvtepi32_ps(_mm512_and_si512(bytes, _mm512_set1_epi32(0xf)));
    hi = _mm512_cvtepi32_ps(_mm512_srli_epi32(bytes, 4));
  } else {
    lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
    hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16))));
  }
}

// How far ahead (in weight rows) the matrix-vector kernels prefetch (see cpu_qmm_avx2.cc).
constexpr int64_t kPrefetchRows = 8;

// MR rows of x against NR consecutive weight rows starting at n: per group, Σ x·q in vector
// accumulators (two chains per pair), scaled once per group; the bias term b·Σx at the end.
template <int BITS, int MR, int NR, ScaleType S>
MLXTS_AVX512 void VectorBlock(const Problem& p, const Prepared& prep, int64_t n) {
  const int64_t k = p.k;
  const int group = p.group;
  const int64_t groups = k / group;
  const int64_t row_bytes = k * BITS / 8;
  const uint8_t* w = reinterpret_cast<const uint8_t*>(p.w) + n * row_bytes;
  constexpr int kMaxGroups = 256;
  alignas(64) float wide[NR][kMaxGroups];
  const bool widened = S != ScaleType::Float32 && groups <= kMaxGroups;
  if (widened) {
    for (int r = 0; r < NR; ++r) WidenScales<S>(p.scales, (n + r) * groups, groups, wide[r]);
  }
  __m512 total[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int r = 0; r < NR; ++r) total[i][r] = _mm512_setzero_ps();
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
    __m512 acc0[MR][NR];
    __m512 acc1[MR][NR];
    for (int i = 0; i < MR; ++i)
      for (int r = 0; r < NR; ++r) acc0[i][r] = acc1[i][r] = _mm512_setzero_ps();
    const int64_t k0 = g * group;
    for (int c = 0; c < group; c += 32) {
#pragma GCC unroll 4
      for (int r = 0; r < NR; ++r) {
        const int64_t at = r * row_bytes + (k0 + c) * BITS / 8;
        // The line a chunk's last byte falls in: every line of the row starts inside some chunk
        // (5-bit chunks of 20 bytes do not divide a line, 4- and 8-bit ones do).
        constexpr int chunk_bytes = 32 * BITS / 8;
        if (ahead > 0 && ((k0 + c) * BITS / 8) % 64 < chunk_bytes) {
          _mm_prefetch(reinterpret_cast<const char*>(next + at + chunk_bytes - 1), _MM_HINT_T0);
        }
        __m512 lo, hi;
        Unpack32<BITS>(w + at, lo, hi);
#pragma GCC unroll 4
        for (int i = 0; i < MR; ++i) {
          const float* xp = prep.xp + i * k + k0 + c;
          acc0[i][r] = _mm512_fmadd_ps(lo, _mm512_loadu_ps(xp), acc0[i][r]);
          acc1[i][r] = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xp + 16), acc1[i][r]);
        }
      }
    }
    for (int r = 0; r < NR; ++r) {
      const __m512 s = _mm512_set1_ps(widened ? wide[r][g] : LoadScale<S>(p.scales, (n + r) * groups + g));
      for (int i = 0; i < MR; ++i) total[i][r] = _mm512_fmadd_ps(_mm512_add_ps(acc0[i][r], acc1[i][r]), s, total[i][r]);
    }
  }
  // The bias term Σ_g b·Σx, sixteen groups at a time.
  for (int r = 0; r < NR; ++r) {
    const int64_t base = (n + r) * groups;
    for (int i = 0; i < MR; ++i) {
      const float* xs = prep.xsum + i * groups;
      __m512 vb = _mm512_setzero_ps();
      int64_t g = 0;
      for (; g + 16 <= groups; g += 16) vb = _mm512_fmadd_ps(LoadBias16<S>(p, base + g), _mm512_loadu_ps(xs + g), vb);
      float bias = _mm512_reduce_add_ps(vb);
      for (; g < groups; ++g) bias += LoadBias<S>(p, base + g) * xs[g];
      p.out[i * p.n + n + r] = _mm512_reduce_add_ps(total[i][r]) + bias;
    }
  }
}

template <int BITS, int MR, ScaleType S>
MLXTS_AVX512 void VectorRows(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  constexpr int NR = MR == 1 ? 4 : MR == 2 ? 2 : 1;
  int64_t n = n0;
  for (; n + NR <= n1; n += NR) VectorBlock<BITS, MR, NR, S>(p, prep, n);
  for (; n < n1; ++n) VectorBlock<BITS, MR, 1, S>(p, prep, n);
}

template <int BITS, ScaleType S>
MLXTS_AVX512 void VectorRowsOf(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  switch (p.m) {
    case 1: return VectorRows<BITS, 1, S>(p, prep, n0, n1);
    case 2: return VectorRows<BITS, 2, S>(p, prep, n0, n1);
    case 3: return VectorRows<BITS, 3, S>(p, prep, n0, n1);
    default: return VectorRows<BITS, 4, S>(p, prep, n0, n1);
  }
}

// More than four x rows: groups of four over cache-sized chunks of output columns (as AVX2).
template <int BITS, ScaleType S>
MLXTS_AVX512 void VectorSliceTyped(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
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

// r[0..16) ← its transpose (r[i][j] ↔ r[j][i]): 32-bit pairs, 64-bit pairs, then a 4×4
// transpose of 128-bit lanes.
MLXTS_AVX512 inline void Transpose16(__m512 r[16]) {
  __m512 a[16];
  for (int i = 0; i < 8; ++i) {
    a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // b[4i + c], lane L: column 4L + c of rows 4i .. 4i+3.
  __m512 b[16];
  for (int i = 0; i < 4; ++i) {
    const __m512d a0 = _mm512_castps_pd(a[4 * i]), a1 = _mm512_castps_pd(a[4 * i + 1]);
    const __m512d a2 = _mm512_castps_pd(a[4 * i + 2]), a3 = _mm512_castps_pd(a[4 * i + 3]);
    b[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
    b[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
    b[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
    b[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 y0 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0x44);
    const __m512 y1 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0xEE);
    const __m512 y2 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0x44);
    const __m512 y3 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(y0, y2, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(y0, y2, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(y1, y3, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(y1, y3, 0xDD);
  }
}

// Dequantizes weight rows n .. n+31 into panel[k][32] (rows past N are zero): two aligned
// 16-float loads per k in the micro-kernel. Per 16 rows and 32 values of k, each row's values
// are dequantized with vector stores into a 16×32 tile, whose two 16×16 halves are transposed
// in registers into the panel (a scalar store per value costs a third of the kernel's time).
template <int BITS, ScaleType S>
MLXTS_AVX512 void PackPanel(const Problem& p, int64_t n, float* panel) {
  const int64_t k = p.k;
  const int group = p.group;
  const int64_t groups = k / group;
  const int64_t row_bytes = k * BITS / 8;
  alignas(64) float tile[16][32];
  // 4-bit runs unpack as even and odd values: these put them back in order.
  const __m512i first_half = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i second_half = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  for (int r0 = 0; r0 < kWidePanel; r0 += 16) {
    for (int64_t c = 0; c < k; c += 32) {
      const int64_t g = c / group;
      for (int r = 0; r < 16; ++r) {
        const int64_t row = n + r0 + r;
        if (row >= p.n) {
          _mm512_store_ps(tile[r], _mm512_setzero_ps());
          _mm512_store_ps(tile[r] + 16, _mm512_setzero_ps());
          continue;
        }
        const __m512 s = _mm512_set1_ps(LoadScale<S>(p.scales, row * groups + g));
        const __m512 b = _mm512_set1_ps(LoadBias<S>(p, row * groups + g));
        __m512 lo, hi;
        Unpack32<BITS>(reinterpret_cast<const uint8_t*>(p.w) + row * row_bytes + c * BITS / 8, lo, hi);
        if constexpr (BITS == 4) {
          const __m512 even = lo;
          lo = _mm512_permutex2var_ps(even, first_half, hi);
          hi = _mm512_permutex2var_ps(even, second_half, hi);
        }
        _mm512_store_ps(tile[r], _mm512_fmadd_ps(lo, s, b));
        _mm512_store_ps(tile[r] + 16, _mm512_fmadd_ps(hi, s, b));
      }
      for (int half = 0; half < 2; ++half) {
        __m512 t[16];
        for (int r = 0; r < 16; ++r) t[r] = _mm512_load_ps(tile[r] + 16 * half);
        Transpose16(t);
        for (int j = 0; j < 16; ++j) _mm512_store_ps(panel + (c + 16 * half + j) * kWidePanel + r0, t[j]);
      }
    }
  }
}

// out[MR, 32] = x[MR, K] · panel[K, 32]: 2·MR accumulators, one broadcast of x per row and k.
template <int MR>
MLXTS_AVX512 void MicroKernel(const float* x, int64_t k, const float* panel, float* out, int64_t ldo, int cols) {
  __m512 c0[MR];
  __m512 c1[MR];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) c0[i] = c1[i] = _mm512_setzero_ps();
  for (int64_t j = 0; j < k; ++j) {
    const __m512 b0 = _mm512_load_ps(panel + j * kWidePanel);
    const __m512 b1 = _mm512_load_ps(panel + j * kWidePanel + 16);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(x[i * k + j]);
      c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
      c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
    }
  }
  const __mmask16 m0 = cols >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? static_cast<__mmask16>(0xffff) : cols <= 16 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << (cols - 16)) - 1);
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    _mm512_mask_storeu_ps(out + i * ldo, m0, c0[i]);
    _mm512_mask_storeu_ps(out + i * ldo + 16, m1, c1[i]);
  }
}

// 12 rows × 32 columns: 24 accumulators, two panel vectors and a broadcast in the 32 registers.
constexpr int kMicroRows = 12;

template <int BITS, ScaleType S>
MLXTS_AVX512 void MatrixSliceTyped(const Problem& p, int64_t n0, int64_t n1, float* panel) {
  for (int64_t n = n0; n < n1; n += kWidePanel) {
    PackPanel<BITS, S>(p, n, panel);
    const int cols = static_cast<int>(std::min<int64_t>(kWidePanel, n1 - n));
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
      case 6: MicroKernel<6>(x, p.k, panel, out, p.n, cols); break;
      case 7: MicroKernel<7>(x, p.k, panel, out, p.n, cols); break;
      case 8: MicroKernel<8>(x, p.k, panel, out, p.n, cols); break;
      case 9: MicroKernel<9>(x, p.k, panel, out, p.n, cols); break;
      case 10: MicroKernel<10>(x, p.k, panel, out, p.n, cols); break;
      case 11: MicroKernel<11>(x, p.k, panel, out, p.n, cols); break;
      default: break;
    }
  }
}

template <int BITS>
MLXTS_AVX512 void VectorSliceBits(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  switch (p.scale_type) {
    case ScaleType::Float32: return VectorSliceTyped<BITS, ScaleType::Float32>(p, prep, n0, n1);
    case ScaleType::BFloat16: return VectorSliceTyped<BITS, ScaleType::BFloat16>(p, prep, n0, n1);
    case ScaleType::Float16: return VectorSliceTyped<BITS, ScaleType::Float16>(p, prep, n0, n1);
  }
}

template <int BITS>
MLXTS_AVX512 void MatrixSliceBits(const Problem& p, int64_t n0, int64_t n1, float* panel) {
  switch (p.scale_type) {
    case ScaleType::Float32: return MatrixSliceTyped<BITS, ScaleType::Float32>(p, n0, n1, panel);
    case ScaleType::BFloat16: return MatrixSliceTyped<BITS, ScaleType::BFloat16>(p, n0, n1, panel);
    case ScaleType::Float16: return MatrixSliceTyped<BITS, ScaleType::Float16>(p, n0, n1, panel);
  }
}

// The wide panel of the calling thread, grown on demand and 64-byte aligned.
float* WidePanelBuffer(int64_t k) {
  thread_local std::vector<float> storage;
  const size_t need = static_cast<size_t>(k * kWidePanel + 16);
  if (storage.size() < need) storage.resize(need);
  const auto addr = reinterpret_cast<uintptr_t>(storage.data());
  return reinterpret_cast<float*>((addr + 63) & ~static_cast<uintptr_t>(63));
}

}  // namespace

void Avx512VectorSlice(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  if (p.bits == 4) {
    VectorSliceBits<4>(p, prep, n0, n1);
  } else if (p.bits == 5) {
    VectorSliceBits<5>(p, prep, n0, n1);
  } else {
    VectorSliceBits<8>(p, prep, n0, n1);
  }
}

void Avx512MatrixSlice(const Problem& p, int64_t n0, int64_t n1) {
  float* panel = WidePanelBuffer(p.k);
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
