// e^x eight floats at a time with AVX2 + FMA, shared by the addon's CPU kernels that need it
// (MLX's x86-64 CPU backend computes exp one element at a time). Only inline functions with the
// target attribute: the addon still loads on CPUs without AVX2, whose callers never reach them.
#pragma once

#if defined(__x86_64__)
#include <immintrin.h>

#ifndef MLXTS_AVX2
#define MLXTS_AVX2 __attribute__((target("avx2,fma")))
#endif

namespace mlxts {

// Cephes' expf: x = n·ln2 + r, a degree-5 polynomial in r, 2^n through the exponent bits (about
// float32's own rounding). Inputs are clamped to ±88.38, where e^x stays finite, so -inf gives
// about 1e-38 rather than 0: nothing next to the terms of a log-sum-exp.
MLXTS_AVX2 inline __m256 Exp8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-88.3762626647949f)), _mm256_set1_ps(88.3762626647949f));
  __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i pow2 = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(pow2));
}

}  // namespace mlxts

#endif  // __x86_64__
