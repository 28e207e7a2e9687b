// See cpu_token_bitmask.h.
#include "cpu_token_bitmask.h"

#include <cstring>
#include <limits>

#include "mlx/allocator.h"
#include "mlx/backend/cpu/encoder.h"
#include "mlx/primitives.h"

namespace mx = mlx::core;

namespace mlxts {
namespace {

class CpuTokenBitmaskPrimitive : public mx::UnaryPrimitive {
 public:
  explicit CpuTokenBitmaskPrimitive(mx::Stream stream) : mx::UnaryPrimitive(stream) {}

  void eval_cpu(const std::vector<mx::array>& inputs, mx::array& out) override {
    out.set_data(mx::allocator::malloc(out.nbytes()));
    auto& encoder = mx::cpu::get_command_encoder(stream());
    for (const auto& in : inputs) encoder.set_input_array(in);
    encoder.set_output_array(out);
    encoder.dispatch([logits = inputs[0], words = inputs[1], y = out.data<float>()]() {
      // Both inputs are row-contiguous (ensured when the op is built).
      const int64_t n = logits.shape(1);
      const int64_t rows = logits.shape(0);
      const int64_t width = words.shape(1);
      const float* x = logits.data<float>();
      const uint32_t* w = words.data<uint32_t>();
      const float refused = -std::numeric_limits<float>::infinity();
      for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x + r * n;
        float* yr = y + r * n;
        const uint32_t* wr = w + r * width;
        for (int64_t j = 0; j < width; ++j) {
          const int64_t start = j * 32;
          const int64_t count = std::min<int64_t>(32, n - start);
          if (count <= 0) break;
          const uint32_t word = wr[j];
          if (word == 0xffffffffu) {
            std::memcpy(yr + start, xr + start, static_cast<size_t>(count) * sizeof(float));
          } else if (word == 0) {
            for (int64_t k = 0; k < count; ++k) yr[start + k] = refused;
          } else {
            for (int64_t k = 0; k < count; ++k) yr[start + k] = (word >> k) & 1u ? xr[start + k] : refused;
          }
        }
      }
    });
  }

  void eval_gpu(const std::vector<mx::array>&, mx::array&) override {
    throw std::runtime_error("[applyTokenBitmask] the fused kernel runs on the CPU only");
  }

  const char* name() const override { return "CpuTokenBitmask"; }

  bool is_equivalent(const mx::Primitive&) const override { return true; }

  std::vector<mx::Shape> output_shapes(const std::vector<mx::array>& inputs) override { return {inputs[0].shape()}; }
};

}  // namespace

std::string CpuTokenBitmaskUnsupported(const mx::array& logits, const mx::array& words, const mx::Stream& stream) {
  if (stream.device.type != mx::Device::cpu) return "it runs on the CPU only";
  if (logits.dtype() != mx::float32) return "logits must be float32";
  return "";
}

mx::array CpuTokenBitmask(const mx::array& logits, const mx::array& words, const mx::Stream& stream) {
  return mx::array(logits.shape(), mx::float32, std::make_shared<CpuTokenBitmaskPrimitive>(stream),
                   {mx::contiguous(logits, false, stream), mx::contiguous(words, false, stream)});
}

}  // namespace mlxts
