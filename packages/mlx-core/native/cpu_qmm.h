// CPU kernels for out = x @ dequantize(w, scales, biases)ᵀ with MLX's affine quantization:
// w [N, K·bits/32] uint32, each row one little-endian bit stream of K values, bits each (4 and 8
// bits: 32/bits values per word, lowest bits first); every group of
// `group` consecutive values of a row k shares scale s and bias b, value = s·q + b. x is float32
// [M, K] row-major, out float32 [M, N].
//
// Per group the kernels compute s·Σ x·q + b·Σ x, so the weights are never materialized in float
// for matrix-vector products; matrix-matrix products dequantize a panel of 16 weight rows at a
// time into a small buffer and run a register-blocked FMA kernel over all rows of x.
#pragma once

#include <cstdint>
#include <string>

namespace mlxts::qmm {

enum class ScaleType { Float32, BFloat16, Float16 };

struct Problem {
  const float* x;
  int64_t m;
  int64_t k;
  const uint32_t* w;
  const void* scales;
  // Null when every group's bias is bias_factor × its scale (GGUF's Q8_0, Q5_0 and Q4_0: −128,
  // −16 and −8), which then is never stored or read.
  const void* biases;
  float bias_factor = 0.0f;
  ScaleType scale_type;
  int64_t n;
  int bits;   // 4, 5 or 8
  int group;  // 32, 64 or 128
  float* out;
  // Matrix-vector products (m <= kMaxVectorRows) with x quantized to int8 per block of 32 and
  // integer dot products (cpu_qmm_int8.cc): faster, approximate; AVX2 only, else ignored.
  bool int8_activations = false;
};

// The instruction sets a kernel can use: chosen once from the running CPU. Avx512 (F, BW, VL)
// implies AVX2: the kernels without an AVX-512 version run their AVX2 one under it.
enum class Isa { Scalar, Avx2, Avx512 };

// Whether the AVX2 kernels may run under `isa`.
inline bool HasAvx2(Isa isa) { return isa != Isa::Scalar; }

Isa BestIsa();
Isa ActiveIsa();
// Chooses the kernel family (tests compare them); asking for one the CPU lacks returns false.
bool SetIsa(Isa isa);
const char* IsaName(Isa isa);

// Runs the product on the shared thread pool, splitting the N output columns.
void Run(const Problem& p);

// Kernel families; `n0..n1` is the slice of output columns this call computes.
// Matrix-vector-like products (m <= kMaxVectorRows, four x rows at a time) and the blocked
// matrix-matrix path.
constexpr int64_t kMaxVectorRows = 16;
constexpr int64_t kPanel = 16;

// Per-call scratch shared by all slices: x rearranged for the matvec kernel and its group sums.
struct Prepared {
  const float* xp;    // [m, k], 4-bit: each run of 16 (AVX-512: 32) reordered as the nibbles unpack
  const float* xsum;  // [m, k / group]
};

// x quantized for the int8 kernel: values (4-bit: each block's even positions, then the odd
// ones), block scales, and the exact group sums for the bias term.
struct PreparedInt8 {
  const int8_t* xq;   // [m, k]
  const float* xd;    // [m, k / 32]
  const float* xsum;  // [m, k / group]
};

// Whether the int8 kernel takes this shape (k a multiple of 32, not too long).
bool Int8Applies(const Problem& p);
void QuantizeActivations(const Problem& p, int8_t* xq, float* xd);

// The process-wide default of Problem::int8_activations for products built from now on.
void SetInt8ActivationsDefault(bool on);
bool Int8ActivationsDefault();

void ScalarSlice(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1);
#if defined(__x86_64__)
void Avx2VectorSlice(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1);
void Avx2MatrixSlice(const Problem& p, int64_t n0, int64_t n1);
void Avx2Int8Slice(const Problem& p, const PreparedInt8& prep, int64_t n0, int64_t n1);
// As the AVX2 ones at twice the width; the 4-bit matrix-vector kernel expects x reordered per
// run of 32 (the even positions, then the odd ones), the matrix kernel packs 32-column panels.
void Avx512VectorSlice(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1);
void Avx512MatrixSlice(const Problem& p, int64_t n0, int64_t n1);
constexpr int64_t kWidePanel = 32;
#endif

}  // namespace mlxts::qmm
