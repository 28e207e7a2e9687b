// RoPE as one MLX primitive on the CPU. MLX has no CPU kernel for fast::rope: on a CPU stream it
// returns its fallback graph (positions, frequencies, cos, sin, slices, four multiplies, two
// adds, concatenations), about twenty nodes per call, each built from JS and evaluated as its own
// CPU task. This kernel is one node and computes the same numbers the same way: positions
// (t + offset)·scale, inverse frequencies e^(−i·ln(base)/(dims/2)) or 1/freqs, angles as
// their float32 product and cos/sin of those in float32, so results agree with MLX's to
// float32 rounding. Each position's cos/sin are computed once and applied to all heads; rows are
// read in place through their strides (a transposed [B, n, L, d] view); positions are split over
// the kernel thread pool for large inputs (prefill).
#include "cpu_rope.h"

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

// One position's rotation: cos and sin per rotated pair. For traditional (adjacent pairs) they
// are laid out per feature, cos as (c, c) and sin as (−s, s), so that a pair becomes
// x·cos + swap(x)·sin; otherwise one value per pair, applied to the two halves.
struct Angles {
  std::vector<float> cos;
  std::vector<float> sin;
};

void FillAngles(const float* inv_freqs, int half, float position, bool traditional, Angles& a) {
  for (int i = 0; i < half; ++i) {
    const float theta = position * inv_freqs[i];
    const float c = std::cos(theta);
    const float s = std::sin(theta);
    if (traditional) {
      a.cos[2 * i] = c;
      a.cos[2 * i + 1] = c;
      a.sin[2 * i] = -s;
      a.sin[2 * i + 1] = s;
    } else {
      a.cos[i] = c;
      a.sin[i] = s;
    }
  }
}

// The same expressions as MLX's fallback: x1·c − x2·s and x1·s + x2·c.
void RotateScalar(const float* in, float* out, const Angles& a, int dims, bool traditional) {
  const int half = dims / 2;
  if (traditional) {
    for (int i = 0; i < half; ++i) {
      const float x1 = in[2 * i], x2 = in[2 * i + 1], c = a.cos[2 * i], s = a.sin[2 * i + 1];
      out[2 * i] = x1 * c - x2 * s;
      out[2 * i + 1] = x1 * s + x2 * c;
    }
    return;
  }
  for (int i = 0; i < half; ++i) {
    const float x1 = in[i], x2 = in[half + i], c = a.cos[i], s = a.sin[i];
    out[i] = x1 * c - x2 * s;
    out[half + i] = x1 * s + x2 * c;
  }
}

#if defined(__x86_64__)
MLXTS_AVX2 void RotateAvx2(const float* in, float* out, const Angles& a, int dims, bool traditional) {
  const int half = dims / 2;
  int i = 0;
  if (traditional) {
    for (; i + 8 <= dims; i += 8) {
      const __m256 x = _mm256_loadu_ps(in + i);
      const __m256 swapped = _mm256_permute_ps(x, 0xB1);  // (x1, x0, x3, x2, ...)
      const __m256 r = _mm256_add_ps(_mm256_mul_ps(x, _mm256_loadu_ps(a.cos.data() + i)),
                                     _mm256_mul_ps(swapped, _mm256_loadu_ps(a.sin.data() + i)));
      _mm256_storeu_ps(out + i, r);
    }
    for (; i < dims; i += 2) {
      const float x1 = in[i], x2 = in[i + 1], c = a.cos[i], s = a.sin[i + 1];
      out[i] = x1 * c - x2 * s;
      out[i + 1] = x1 * s + x2 * c;
    }
    return;
  }
  for (; i + 8 <= half; i += 8) {
    const __m256 x1 = _mm256_loadu_ps(in + i), x2 = _mm256_loadu_ps(in + half + i);
    const __m256 c = _mm256_loadu_ps(a.cos.data() + i), s = _mm256_loadu_ps(a.sin.data() + i);
    _mm256_storeu_ps(out + i, _mm256_sub_ps(_mm256_mul_ps(x1, c), _mm256_mul_ps(x2, s)));
    _mm256_storeu_ps(out + half + i, _mm256_add_ps(_mm256_mul_ps(x1, s), _mm256_mul_ps(x2, c)));
  }
  for (; i < half; ++i) {
    const float x1 = in[i], x2 = in[half + i], c = a.cos[i], s = a.sin[i];
    out[i] = x1 * c - x2 * s;
    out[half + i] = x1 * s + x2 * c;
  }
}
#endif

// x seen as [B, N, T, D]: N covers the axes between the first and the last two (1 for 3-D x).
struct Layout {
  const float* x;
  int64_t batch, heads, length, features;
  int64_t batch_stride, length_stride;
  std::vector<int64_t> head_offsets;  // element offset of each of the N heads
  float* out;                         // row-major [B, N, T, D]
  RowOffsets rows;                    // gathers a row whose last axis is strided
};

Layout LayoutOf(const mx::array& x, float* out) {
  const int nd = static_cast<int>(x.ndim());
  Layout l{x.data<float>(), x.shape(0), 1, x.shape(nd - 2), x.shape(nd - 1), x.strides()[0], x.strides()[nd - 2], {}, out,
           RowOffsets(x)};
  for (int axis = 1; axis <= nd - 3; ++axis) l.heads *= x.shape(axis);
  // Head h numbered row-major over axes 1 .. nd-3.
  l.head_offsets.resize(l.heads);
  for (int64_t h = 0; h < l.heads; ++h) {
    int64_t rem = h, offset = 0;
    for (int axis = nd - 3; axis >= 1; --axis) {
      offset += (rem % x.shape(axis)) * x.strides()[axis];
      rem /= x.shape(axis);
    }
    l.head_offsets[h] = offset;
  }
  return l;
}

struct Job {
  Layout layout;
  const float* inv_freqs;
  std::vector<float> offsets;  // per batch row (or one for all), as float like MLX's positions
  float scale;
  int dims;
  bool traditional;
};

void RunPositions(const Job& job, int64_t first, int64_t count, bool avx2) {
  const Layout& l = job.layout;
  const int half = job.dims / 2;
  Angles angles{std::vector<float>(job.dims), std::vector<float>(job.dims)};
  std::vector<float> scratch;
  for (int64_t p = first; p < first + count; ++p) {
    const int64_t b = p / l.length, t = p % l.length;
    const float offset = job.offsets.size() == 1 ? job.offsets[0] : job.offsets[b];
    FillAngles(job.inv_freqs, half, (static_cast<float>(t) + offset) * job.scale, job.traditional, angles);
    for (int64_t h = 0; h < l.heads; ++h) {
      const float* in = l.rows.Gather(l.x + b * l.batch_stride + l.head_offsets[h] + t * l.length_stride, scratch);
      float* out = l.out + ((b * l.heads + h) * l.length + t) * l.features;
#if defined(__x86_64__)
      if (avx2) {
        RotateAvx2(in, out, angles, job.dims, job.traditional);
      } else {
        RotateScalar(in, out, angles, job.dims, job.traditional);
      }
#else
      RotateScalar(in, out, angles, job.dims, job.traditional);
#endif
      std::copy(in + job.dims, in + l.features, out + job.dims);
    }
  }
}

constexpr int64_t kMinParallel = 1 << 15;
constexpr int64_t kTaskElements = 1 << 13;

class CpuRopePrimitive : public CpuFallbackPrimitive {
 public:
  // inputs: x, then the offset array when there is one, then freqs when there are.
  CpuRopePrimitive(mx::Stream stream, Fallback fallback, const RopeArgs& args, std::optional<int> offset)
      : CpuFallbackPrimitive(stream, std::move(fallback)),
        dims_(args.dims),
        traditional_(args.traditional),
        base_(args.base),
        scale_(args.scale),
        offset_(offset) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& in : inputs) encoder.set_input_array(in);
    encoder.set_output_array(out);
    encoder.dispatch([inputs, out_data = out.data<float>(), dims = dims_, traditional = traditional_, base = base_,
                      scale = scale_, fixed_offset = offset_]() {
      const mx::array& x = inputs[0];
      const int half = dims / 2;
      size_t next = 1;
      std::vector<float> offsets;
      if (fixed_offset) {
        offsets.push_back(static_cast<float>(*fixed_offset));
      } else {
        const mx::array& o = inputs[next++];
        const int32_t* data = o.data<int32_t>();
        const int64_t stride = o.ndim() == 0 ? 0 : o.strides()[0];
        for (size_t i = 0; i < o.size(); ++i) offsets.push_back(static_cast<float>(data[i * stride]));
      }
      std::vector<float> inv_freqs(half);
      if (base) {
        // As MLX: e^(−i · c) with c = ln(base) / (dims/2) and the product rounded to float32.
        const float c = std::log(*base) / static_cast<float>(half);
        for (int i = 0; i < half; ++i) inv_freqs[i] = static_cast<float>(std::exp(static_cast<double>(-static_cast<float>(i) * c)));
      } else {
        const mx::array& f = inputs[next];
        const float* periods = f.data<float>();
        const int64_t stride = f.strides()[0];
        for (int i = 0; i < half; ++i) inv_freqs[i] = 1.0f / periods[i * stride];
      }
      Job job{LayoutOf(x, out_data), inv_freqs.data(), std::move(offsets), scale, dims, traditional};
      const bool avx2 = qmm::HasAvx2(qmm::ActiveIsa());
      const Layout& l = job.layout;
      const int64_t positions = l.batch * l.length;
      const int64_t per_position = l.heads * l.features;
      CpuThreadPool& pool = CpuThreadPool::Shared();
      if (positions == 1 || positions * per_position < kMinParallel || pool.threads() == 1) {
        RunPositions(job, 0, positions, avx2);
        return;
      }
      const int64_t per_task = std::max<int64_t>(1, kTaskElements / per_position);
      const int tasks = static_cast<int>((positions + per_task - 1) / per_task);
      pool.ParallelFor(tasks, [&](int t) {
        const int64_t first = static_cast<int64_t>(t) * per_task;
        RunPositions(job, first, std::min(per_task, positions - first), avx2);
      });
    });
  }

  const char* name() const override { return "CpuRope"; }
  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const CpuRopePrimitive&>(other);
    return dims_ == o.dims_ && traditional_ == o.traditional_ && base_ == o.base_ && scale_ == o.scale_ && offset_ == o.offset_;
  }
  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override { return {inputs[0].shape()}; }

 private:
  int dims_;
  bool traditional_;
  std::optional<float> base_;
  float scale_;
  std::optional<int> offset_;  // absent: the offset is an input array
};

}  // namespace

std::string CpuRopeUnsupported(const mx::array& x, const RopeArgs& args, const RopeOffset& offset, const mx::Stream& stream) {
  if (stream.device.type != mx::Device::cpu) return "runs on the CPU only";
  if (x.dtype() != mx::float32) return "x must be float32";
  if (x.ndim() < 3 || x.size() == 0) return "x must be [B, ..., L, D] with elements";
  if (args.dims <= 0 || args.dims % 2 != 0 || args.dims > x.shape(-1)) return "dims must be even, in 2 .. x.shape(-1)";
  if (args.base.has_value() == args.freqs.has_value()) return "exactly one of base and freqs";
  if (args.freqs && (args.freqs->dtype() != mx::float32 || args.freqs->ndim() != 1 || args.freqs->shape(0) != args.dims / 2)) {
    return "freqs must be float32 [dims / 2]";
  }
  if (const auto* o = std::get_if<mx::array>(&offset)) {
    if (o->dtype() != mx::int32) return "an offset array must be int32";
    if (o->ndim() > 1 || (o->size() != 1 && static_cast<int64_t>(o->size()) != x.shape(0))) {
      return "an offset array must hold one offset or one per batch row";
    }
  }
  return "";
}

mx::array CpuRope(const mx::array& x, const RopeArgs& args, const RopeOffset& offset, const mx::Stream& stream) {
  const std::string why = CpuRopeUnsupported(x, args, offset, stream);
  if (!why.empty()) throw std::invalid_argument("[cpuRope] " + why);
  std::vector<mx::array> inputs{x};
  std::optional<int> fixed;
  if (const int* n = std::get_if<int>(&offset)) {
    fixed = *n;
  } else {
    inputs.push_back(std::get<mx::array>(offset));
  }
  if (args.freqs) inputs.push_back(*args.freqs);
  // MLX's own op on the same inputs, for the transformations (captures no arrays).
  auto fallback = [dims = args.dims, traditional = args.traditional, base = args.base, scale = args.scale,
                   has_freqs = args.freqs.has_value(), fixed, stream](const std::vector<mx::array>& in) {
    size_t next = 1;
    const mx::array offset_array = fixed ? mx::array(*fixed, mx::int32) : in[next++];
    const std::optional<mx::array> freqs = has_freqs ? std::optional<mx::array>(in[next]) : std::nullopt;
    return std::vector<mx::array>{mx::fast::rope(in[0], dims, traditional, base, scale, offset_array, freqs, stream)};
  };
  const mx::Shape shape = x.shape();
  return mx::array(shape, mx::float32, std::make_shared<CpuRopePrimitive>(stream, fallback, args, fixed), std::move(inputs));
}

}  // namespace mlxts
