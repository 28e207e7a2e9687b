// An MLX primitive whose CPU evaluation runs this addon's quantized matmul kernels. MLX's own
// CPU quantized matmul is a scalar single-threaded loop on x86-64; this one is vectorized and
// spread over a thread pool, and it is lazy like every other op: building it schedules nothing.
#include "cpu_quantized_matmul.h"

#include <cstring>
#include <functional>
#include <vector>

#include "cpu_qmm.h"
#include "mlx/allocator.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

namespace mx = mlx::core;

namespace mlxts {
namespace {

// Row-major bytes of `a` (a copy only when it is not already row-contiguous).
class RowMajor {
 public:
  explicit RowMajor(const mx::array& a) {
    if (a.flags().row_contiguous) {
      data_ = a.data<char>();
      return;
    }
    const size_t item = a.itemsize();
    copy_.resize(a.size() * item);
    const auto& shape = a.shape();
    const auto& strides = a.strides();
    const char* base = a.data<char>();
    std::vector<int64_t> index(shape.size(), 0);
    for (size_t i = 0; i < a.size(); ++i) {
      int64_t offset = 0;
      for (size_t d = 0; d < shape.size(); ++d) offset += index[d] * strides[d];
      std::memcpy(copy_.data() + i * item, base + offset * static_cast<int64_t>(item), item);
      for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (++index[d] < shape[d]) break;
        index[d] = 0;
      }
    }
    data_ = copy_.data();
  }
  const void* data() const { return data_; }

 private:
  const void* data_ = nullptr;
  std::vector<char> copy_;
};

qmm::ScaleType ScaleTypeOf(mx::Dtype t) {
  if (t == mx::bfloat16) return qmm::ScaleType::BFloat16;
  if (t == mx::float16) return qmm::ScaleType::Float16;
  return qmm::ScaleType::Float32;
}

class CpuQuantizedMatmulPrimitive : public mx::UnaryPrimitive {
 public:
  // inputs: x, w, scales and, unless bias_factor is set, biases.
  CpuQuantizedMatmulPrimitive(mx::Stream stream, int group_size, int bits, bool int8, std::optional<float> bias_factor = std::nullopt)
      : mx::UnaryPrimitive(stream), group_size_(group_size), bits_(bits), int8_(int8), bias_factor_(bias_factor) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& in : inputs) encoder.set_input_array(in);
    encoder.set_output_array(out);
    // The inputs are captured by value so that their buffers outlive the task.
    const std::optional<mx::array> stored_biases = inputs.size() > 3 ? std::optional<mx::array>(inputs[3]) : std::nullopt;
    encoder.dispatch([x = inputs[0], w = inputs[1], scales = inputs[2], biases = stored_biases, out_data = out.data<float>(),
                      group = group_size_, bits = bits_, int8 = int8_, factor = bias_factor_.value_or(0.0f)]() {
      const RowMajor xr(x), wr(w), sr(scales);
      const std::optional<RowMajor> br = biases ? std::optional<RowMajor>(RowMajor(*biases)) : std::nullopt;
      const int64_t k = x.shape(-1);
      qmm::Problem p{};
      p.x = static_cast<const float*>(xr.data());
      p.m = k == 0 ? 0 : static_cast<int64_t>(x.size()) / k;
      p.k = k;
      p.w = static_cast<const uint32_t*>(wr.data());
      p.scales = sr.data();
      p.biases = br ? br->data() : nullptr;
      p.bias_factor = factor;
      p.scale_type = ScaleTypeOf(scales.dtype());
      p.n = w.shape(0);
      p.bits = bits;
      p.group = group;
      p.out = out_data;
      p.int8_activations = int8;
      if (p.m == 0 || p.n == 0) return;
      if (k == 0) {
        std::memset(out_data, 0, static_cast<size_t>(p.m * p.n) * sizeof(float));
        return;
      }
      qmm::Run(p);
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[cpuQuantizedMatmul] runs on the CPU only; use quantizedMatmul on the GPU");
  }

  const char* name() const override { return "CpuQuantizedMatmul"; }

  bool is_equivalent(const mx::Primitive& other) const override {
    const auto& o = static_cast<const CpuQuantizedMatmulPrimitive&>(other);
    return group_size_ == o.group_size_ && bits_ == o.bits_ && int8_ == o.int8_ && bias_factor_ == o.bias_factor_;
  }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override {
    mx::Shape shape = inputs[0].shape();
    shape.back() = inputs[1].shape(0);
    return {shape};
  }

 private:
  int group_size_;
  int bits_;
  bool int8_;
  std::optional<float> bias_factor_;
};

}  // namespace

std::string CpuQuantizedMatmulUnsupported(const mx::array& x, const mx::array& w, const mx::array& scales,
                                          const std::optional<mx::array>& biases, bool transpose, int group_size, int bits,
                                          const std::string& mode, const mx::Stream& stream, std::optional<float> bias_factor) {
  if (stream.device.type != mx::Device::cpu) return "it runs on the CPU only";
  if (mode != "affine") return "only affine quantization is supported (mode '" + mode + "')";
  if (!transpose) return "only transpose=true (weights stored [out, in]) is supported";
  if (bits != 4 && bits != 5 && bits != 8) return "only 4, 5 and 8 bits are supported (got " + std::to_string(bits) + ")";
  if (group_size != 32 && group_size != 64 && group_size != 128) {
    return "group sizes are 32, 64 or 128 (got " + std::to_string(group_size) + ")";
  }
  if (x.dtype() != mx::float32) return "x must be float32";
  if (x.ndim() < 1) return "x must have at least one dimension";
  if (w.dtype() != mx::uint32 || w.ndim() != 2) return "w must be a 2-D uint32 array of packed weights";
  if (!biases && !bias_factor) return "affine quantization needs biases (or a bias factor: bias = factor × scale)";
  if (biases && bias_factor) return "give biases or a bias factor, not both";
  const auto st = scales.dtype();
  if (st != mx::float32 && st != mx::bfloat16 && st != mx::float16) return "scales must be float32, bfloat16 or float16";
  if (biases && biases->dtype() != st) return "biases must have the dtype of the scales";
  const int64_t k = x.shape(-1);
  const int64_t n = w.shape(0);
  if (static_cast<int64_t>(w.shape(1)) * 32 != k * bits) {
    return "x's last axis (" + std::to_string(k) + ") does not match the packed weights (" + std::to_string(w.shape(1)) + " words of " +
           std::to_string(bits) + "-bit values)";
  }
  if (k % group_size != 0) return "x's last axis must be a multiple of the group size";
  const mx::Shape expected{static_cast<int>(n), static_cast<int>(k / group_size)};
  if (scales.shape() != expected || (biases && biases->shape() != expected)) return "scales and biases must be [out, in / groupSize]";
  return "";
}

mx::array CpuQuantizedMatmul(const mx::array& x, const mx::array& w, const mx::array& scales, const mx::array& biases, int group_size,
                             int bits, const mx::Stream& stream, std::optional<bool> int8_activations) {
  mx::Shape shape = x.shape();
  shape.back() = w.shape(0);
  return mx::array(std::move(shape), mx::float32, std::make_shared<CpuQuantizedMatmulPrimitive>(stream, group_size, bits, int8_activations.value_or(qmm::Int8ActivationsDefault())),
                   {x, w, scales, biases});
}

mx::array CpuQuantizedMatmulScaledBias(const mx::array& x, const mx::array& w, const mx::array& scales, float bias_factor, int group_size,
                                       int bits, const mx::Stream& stream, std::optional<bool> int8_activations) {
  mx::Shape shape = x.shape();
  shape.back() = w.shape(0);
  return mx::array(std::move(shape), mx::float32,
                   std::make_shared<CpuQuantizedMatmulPrimitive>(stream, group_size, bits, int8_activations.value_or(qmm::Int8ActivationsDefault()), bias_factor),
                   {x, w, scales});
}

}  // namespace mlxts
