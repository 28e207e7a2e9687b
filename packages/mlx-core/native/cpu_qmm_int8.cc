// The int8-activation matrix-vector kernels of cpu_qmm.h (AVX2), llama.cpp's approach: x is
// quantized once per call to int8 in blocks of 32 (scale = max|x| / 127, round to nearest), and
// each weight block's dot product runs as byte × byte products widened to int32
// (_mm256_maddubs_epi16 + _mm256_madd_epi16): one 32-value block per instruction chain instead of
// the float path's four unpack-convert-FMA chains, so the kernel is bound by memory, not by
// widening. Results differ from the exact path by x's quantization error (at most half a step of
// its block scale per element); the bias term Σ b·Σx still uses the exact float sums of x.
#if defined(__x86_64__)

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "cpu_qmm.h"

#define MLXTS_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace mlxts::qmm {
namespace {

template <ScaleType S>
constexpr int64_t ScaleBytes() {
  return S == ScaleType::Float32 ? 4 : 2;
}

template <ScaleType S>
MLXTS_AVX2 inline float ScaleAt(const void* p, int64_t i) {
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

MLXTS_AVX2 inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Σ over 32 byte pairs of the weight block w (as the kernel reads it) times x's int8 block, as
// eight int32 partial sums. 8-bit: w is unsigned q; q - 128 is taken as a signed byte and the
// +128 goes into the bias term, because maddubs multiplies unsigned by signed bytes and 255 · 127
// twice overflows its int16 pair sums: |q - 128| ≤ 128 is the unsigned side, x carries the sign.
// 4-bit: 16 bytes hold the block's even values in the low nibbles and the odd ones in the high
// nibbles; x's block is stored in that order (evens, then odds).
template <int BITS>
MLXTS_AVX2 inline __m256i BlockDot(const uint8_t* w, __m256i xv) {
  if constexpr (BITS == 8) {
    const __m256i ws = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w)), _mm256_set1_epi8(static_cast<char>(0x80)));
    const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(ws, ws), _mm256_sign_epi8(xv, ws));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
  } else {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
    const __m128i mask = _mm_set1_epi8(0x0f);
    const __m256i q = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), _mm_and_si128(bytes, mask));
    return _mm256_madd_epi16(_mm256_maddubs_epi16(q, xv), _mm256_set1_epi16(1));
  }
}

constexpr int kBlock = 32;
constexpr int kMaxBlocks = 512;  // k up to 16384; longer rows take the exact path

// NR weight rows from n against one x row: per block, the int32 dot scaled by (weight scale ×
// x block scale) into a float accumulator per row; the bias term from exact group sums at the end.
template <int BITS, int NR, ScaleType S>
MLXTS_AVX2 void Int8Block(const Problem& p, const PreparedInt8& prep, int64_t row, int64_t n) {
  const int64_t k = p.k;
  const int64_t blocks = k / kBlock;
  const int64_t groups = k / p.group;
  const int64_t per_group = p.group / kBlock;
  const int64_t row_bytes = k * BITS / 8;
  const uint8_t* w = reinterpret_cast<const uint8_t*>(p.w) + n * row_bytes;
  const int8_t* xq = prep.xq + row * k;
  const float* xd = prep.xd + row * blocks;
  // The rows two blocks ahead: the weights of NR rows are NR short streams (a 640-value row is
  // 10 cache lines), too short for the hardware prefetcher to follow, which left the kernel
  // waiting on memory at a third of what one core streams. Fetch them ahead by hand.
  const int64_t ahead = std::min<int64_t>(2 * NR, p.n - n - NR);
  const uint8_t* next = w + ahead * row_bytes;
  if (ahead > 0) {
    const char* sp = static_cast<const char*>(p.scales) + (n + ahead) * groups * ScaleBytes<S>();
    const char* bp = static_cast<const char*>(p.biases) + (p.biases != nullptr ? (n + ahead) * groups * ScaleBytes<S>() : 0);
    for (int64_t off = 0; off < NR * groups * ScaleBytes<S>(); off += 64) {
      _mm_prefetch(sp + off, _MM_HINT_T0);
      if (p.biases != nullptr) _mm_prefetch(bp + off, _MM_HINT_T0);
    }
  }
  // Per row and block, scale × x's block scale, so the loop broadcasts it from memory.
  alignas(32) float combined[NR][kMaxBlocks];
  for (int r = 0; r < NR; ++r) {
    int64_t b = 0;
    if (per_group == 1) {
      for (; b + 8 <= blocks; b += 8) _mm256_store_ps(&combined[r][b], _mm256_mul_ps(Load8<S>(p.scales, (n + r) * groups + b), _mm256_loadu_ps(xd + b)));
    }
    for (; b < blocks; ++b) combined[r][b] = ScaleAt<S>(p.scales, (n + r) * groups + b / per_group) * xd[b];
  }
  __m256 acc[NR];
  for (int r = 0; r < NR; ++r) acc[r] = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xq + b * kBlock));
#pragma GCC unroll 4
    for (int r = 0; r < NR; ++r) {
      const int64_t at = r * row_bytes + b * kBlock * BITS / 8;
      if (ahead > 0) _mm_prefetch(reinterpret_cast<const char*>(next + at), _MM_HINT_T0);
      const __m256i dot = BlockDot<BITS>(w + at, xv);
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_broadcast_ss(&combined[r][b]), acc[r]);
    }
  }
  // The bias term Σ_g b·Σx (8-bit: b + 128·s, the offset BlockDot took out of q), eight groups at a time.
  const float* xs = prep.xsum + row * groups;
  for (int r = 0; r < NR; ++r) {
    const int64_t base = (n + r) * groups;
    __m256 vb = _mm256_setzero_ps();
    int64_t g = 0;
    for (; g + 8 <= groups; g += 8) {
      __m256 bias = p.biases != nullptr ? Load8<S>(p.biases, base + g) : _mm256_mul_ps(Load8<S>(p.scales, base + g), _mm256_set1_ps(p.bias_factor));
      if constexpr (BITS == 8) bias = _mm256_fmadd_ps(_mm256_set1_ps(128.0f), Load8<S>(p.scales, base + g), bias);
      vb = _mm256_fmadd_ps(bias, _mm256_loadu_ps(xs + g), vb);
    }
    float total = HorizontalSum(vb);
    for (; g < groups; ++g) {
      float bias = p.biases != nullptr ? ScaleAt<S>(p.biases, base + g) : p.bias_factor * ScaleAt<S>(p.scales, base + g);
      if constexpr (BITS == 8) bias += 128.0f * ScaleAt<S>(p.scales, base + g);
      total += bias * xs[g];
    }
    p.out[row * p.n + n + r] = HorizontalSum(acc[r]) + total;
  }
}

// Columns n0..n1 for every x row; more than one row runs over 64-column chunks so a chunk's
// weights come from memory once and from cache for the other rows.
template <int BITS, ScaleType S>
MLXTS_AVX2 void Int8SliceTyped(const Problem& p, const PreparedInt8& prep, int64_t n0, int64_t n1) {
  constexpr int NR = 4;
  const int64_t chunk = p.m == 1 ? n1 - n0 : 64;
  for (int64_t c0 = n0; c0 < n1; c0 += chunk) {
    const int64_t c1 = std::min(n1, c0 + chunk);
    for (int64_t row = 0; row < p.m; ++row) {
      int64_t n = c0;
      for (; n + NR <= c1; n += NR) Int8Block<BITS, NR, S>(p, prep, row, n);
      for (; n < c1; ++n) Int8Block<BITS, 1, S>(p, prep, row, n);
    }
  }
}

template <int BITS>
MLXTS_AVX2 void Int8SliceBits(const Problem& p, const PreparedInt8& prep, int64_t n0, int64_t n1) {
  switch (p.scale_type) {
    case ScaleType::Float32: return Int8SliceTyped<BITS, ScaleType::Float32>(p, prep, n0, n1);
    case ScaleType::BFloat16: return Int8SliceTyped<BITS, ScaleType::BFloat16>(p, prep, n0, n1);
    case ScaleType::Float16: return Int8SliceTyped<BITS, ScaleType::Float16>(p, prep, n0, n1);
  }
}

}  // namespace

bool Int8Applies(const Problem& p) { return (p.bits == 4 || p.bits == 8) && p.k % kBlock == 0 && p.k / kBlock <= kMaxBlocks; }

void QuantizeActivations(const Problem& p, int8_t* xq, float* xd) {
  const int64_t blocks = p.k / kBlock;
  for (int64_t row = 0; row < p.m; ++row) {
    for (int64_t b = 0; b < blocks; ++b) {
      const float* x = p.x + row * p.k + b * kBlock;
      float amax = 0.0f;
      for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
      const float d = amax / 127.0f;
      const float inv = d > 0.0f ? 1.0f / d : 0.0f;
      int8_t* out = xq + row * p.k + b * kBlock;
      for (int j = 0; j < kBlock; ++j) {
        // 4-bit weights unpack a block's even values first, then the odd ones: store x so.
        const int at = p.bits == 4 ? (j % 2) * 16 + j / 2 : j;
        out[at] = static_cast<int8_t>(std::nearbyint(x[j] * inv));
      }
      xd[row * blocks + b] = d;
    }
  }
}

void Avx2Int8Slice(const Problem& p, const PreparedInt8& prep, int64_t n0, int64_t n1) {
  if (p.bits == 4) {
    Int8SliceBits<4>(p, prep, n0, n1);
  } else {
    Int8SliceBits<8>(p, prep, n0, n1);
  }
}

}  // namespace mlxts::qmm

#endif  // __x86_64__
