// One row times a dense weight's transpose (a decode step's projections) on CUDA. MLX's gemv runs
// a warp per weight row with one 16-byte load in flight per lane, which is enough for a matrix of
// many rows but leaves a GPU short of loads in flight on one of few rows and long ones (a decoder
// layer's down and output projections: a 4B Gemma's are 2560 rows), where memory latency, not
// bandwidth, then bounds the product. Here every block takes two to eight rows and its eight warps
// split their columns, each lane with the loads of every row in flight, and the warps' sums meet
// in shared memory: some 10000 warps for 2560 rows instead of 2560.
//
// Arithmetic: float32 products and sums (in another order than MLX's), one rounding to the dtype.
#include "gpu_matvec.h"

#include <map>
#include <string>
#include <vector>

#include "gpu_kernel_args.h"
#include "mlx/backend/cuda/cuda.h"
#include "mlx/fast.h"

namespace mlxts {

namespace mx = mlx::core;

namespace {

constexpr int kWarps = 8;
// The row of x is staged in shared memory (48 KiB a block without opting in to more).
constexpr int kMaxRowBytes = 32 * 1024;

constexpr const char* kSource = R"(
  constexpr int VEC = 16 / sizeof(T);
  constexpr int CHUNKS = K / VEC;
  __shared__ __align__(16) T xs[K];
  const int64_t step = x_strides[x_ndim - 1];
  for (int i = threadIdx.x; i < K; i += WARPS * 32) xs[i] = x[i * step];
  __syncthreads();
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int rows = w_shape[0];
  const int first = blockIdx.x * ROWS;
  const T* wr[ROWS];
#pragma unroll
  for (int r = 0; r < ROWS; r++) wr[r] = w + (int64_t)min(first + r, rows - 1) * K;
  float acc[ROWS];
#pragma unroll
  for (int r = 0; r < ROWS; r++) acc[r] = 0.0f;
#pragma unroll 2
  for (int c = warp * 32 + lane; c < CHUNKS; c += WARPS * 32) {
    const auto xv = reinterpret_cast<const AlignedVector<T, VEC>*>(xs)[c];
#pragma unroll
    for (int r = 0; r < ROWS; r++) {
      const auto wv = unsafe_load_vector<VEC>(wr[r], c);
#pragma unroll
      for (int j = 0; j < VEC; j++) acc[r] += static_cast<float>(wv[j]) * static_cast<float>(xv[j]);
    }
  }
  __shared__ float partial[WARPS][ROWS];
#pragma unroll
  for (int r = 0; r < ROWS; r++) {
    float s = acc[r];
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) s += __shfl_xor_sync(0xffffffff, s, o);
    if (lane == 0) partial[warp][r] = s;
  }
  __syncthreads();
  if (threadIdx.x < ROWS && first + threadIdx.x < rows) {
    float total = 0.0f;
#pragma unroll
    for (int w = 0; w < WARPS; w++) total += partial[w][threadIdx.x];
    out[first + threadIdx.x] = static_cast<T>(total);
  }
)";

const mx::fast::CustomKernelFunction& Kernel() {
  static const mx::fast::CustomKernelFunction kernel =
      mx::fast::cuda_kernel("mlxts_matvec", {"x", "w"}, {"out"}, kSource, "", /*ensure_row_contiguous=*/false);
  return kernel;
}

bool Enabled() {
  static const bool enabled = !TurnedOff("MLX_TS_MATVEC");
  return enabled;
}

bool Fusable(const mx::array& x, const mx::array& w, const mx::Stream& stream) {
  if (!Enabled() || stream.device.type != mx::Device::gpu || !mx::cu::is_available()) return false;
  const mx::Dtype dtype = x.dtype();
  if (dtype != mx::bfloat16 && dtype != mx::float16 && dtype != mx::float32) return false;
  if (w.dtype() != dtype || w.ndim() != 2 || x.ndim() < 1) return false;
  const int k = w.shape(1);
  if (x.shape(-1) != k || static_cast<int64_t>(x.size()) != k || k % 8 != 0) return false;
  if (static_cast<int64_t>(k) * static_cast<int64_t>(mx::size_of(dtype)) > kMaxRowBytes) return false;
  // 16-byte loads from the start of every row: the weight is its own row-major buffer.
  return w.flags().row_contiguous && w.offset() == 0;
}

}  // namespace

mx::array MatVec(const mx::array& x, const mx::array& w, const mx::Stream& stream) {
  if (!Fusable(x, w, stream)) return mx::matmul(x, mx::transpose(w, stream), stream);
  const int n = w.shape(0);
  // Two rows a block for the short matrices (enough warps to keep loads in flight), up to eight for
  // tall ones (fewer copies of x into shared memory, more loads in flight per lane).
  const int rows = n >= 16384 ? 8 : n >= 8192 ? 4 : 2;
  const int blocks = (n + rows - 1) / rows;
  mx::Shape shape = x.shape();
  shape.back() = n;
  return Kernel()({x, w}, {shape}, {x.dtype()}, {blocks * kWarps * 32, 1, 1}, {kWarps * 32, 1, 1},
                  {{"T", x.dtype()}, {"K", w.shape(1)}, {"ROWS", rows}, {"WARPS", kWarps}}, std::nullopt, false, stream)[0];
}

}  // namespace mlxts
