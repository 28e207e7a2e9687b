// Quantization: quantize, dequantize and matmul against quantized weights.
#include <cstdlib>

#include "common.h"
#include "cpu_qmm.h"
#include "cpu_gelu.h"
#include "cpu_kernel_switch.h"
#include "cpu_quantized_matmul.h"
#include "cpu_thread_pool.h"

namespace mlxts {
namespace {

std::optional<int> OptionalInt(const Napi::CallbackInfo& info, size_t i) {
  if (IsMissing(info, i)) return std::nullopt;
  return IntArg(info, i);
}

std::string ModeArg(const Napi::CallbackInfo& info, size_t i) {
  return IsMissing(info, i) ? std::string("affine") : StringArg(info, i);
}

// quantize(w, groupSize, bits, mode, stream?) -> [wq, scales, biases?]
Napi::Value Quantize(const Napi::CallbackInfo& info) {
  return Results(info.Env(), mx::quantize(ArrayArg(info, 0), OptionalInt(info, 1), OptionalInt(info, 2), ModeArg(info, 3),
                                          std::nullopt, StreamArg(info, 4)));
}

// dequantize(w, scales, biases | undefined, groupSize, bits, mode, dtype | undefined, stream?)
Napi::Value Dequantize(const Napi::CallbackInfo& info) {
  std::optional<mx::Dtype> dtype;
  if (!IsMissing(info, 6)) dtype = DtypeArg(info, 6);
  return Result(info.Env(), mx::dequantize(ArrayArg(info, 0), ArrayArg(info, 1), OptionalArrayArg(info, 2), OptionalInt(info, 3),
                                           OptionalInt(info, 4), ModeArg(info, 5), std::nullopt, dtype, StreamArg(info, 7)));
}

// MLX's defaults for affine quantization.
constexpr int kDefaultGroupSize = 64;
constexpr int kDefaultBits = 4;

// quantizedMatmul(x, w, scales, biases | undefined, transpose, groupSize, bits, mode, stream?, cpuKernel = true)
// On a CPU stream, the cases the addon's kernel covers go to it unless cpuKernel is false.
Napi::Value QuantizedMatmul(const Napi::CallbackInfo& info) {
  const mx::array& x = ArrayArg(info, 0);
  const mx::array& w = ArrayArg(info, 1);
  const mx::array& scales = ArrayArg(info, 2);
  const std::optional<mx::array> biases = OptionalArrayArg(info, 3);
  const bool transpose = BoolArg(info, 4, true);
  const std::optional<int> group = OptionalInt(info, 5);
  const std::optional<int> bits = OptionalInt(info, 6);
  const std::string mode = ModeArg(info, 7);
  const mx::StreamOrDevice s = StreamArg(info, 8);
  if (BoolArg(info, 9, true) && CpuKernelByDefault()) {
    const mx::Stream stream = mx::to_stream(s);
    const int g = group.value_or(kDefaultGroupSize);
    const int b = bits.value_or(kDefaultBits);
    if (CpuQuantizedMatmulUnsupported(x, w, scales, biases, transpose, g, b, mode, stream).empty()) {
      return Result(info.Env(), CpuQuantizedMatmul(x, w, scales, *biases, g, b, stream));
    }
  }
  return Result(info.Env(), mx::quantized_matmul(x, w, scales, biases, transpose, group, bits, mode, s));
}

// cpuQuantizedMatmul(x, w, scales, biases?, groupSize, bits, stream?, int8Activations?, biasFactor?): the addon's
// kernel or an error saying why not; int8Activations unset takes the process default
// (setCpuKernelInt8Activations); biasFactor instead of biases: every bias is factor × its scale.
Napi::Value CpuQuantizedMatmulOp(const Napi::CallbackInfo& info) {
  const mx::array& x = ArrayArg(info, 0);
  const mx::array& w = ArrayArg(info, 1);
  const mx::array& scales = ArrayArg(info, 2);
  const std::optional<mx::array> biases = OptionalArrayArg(info, 3);
  const int g = IntArgOr(info, 4, kDefaultGroupSize);
  const int b = IntArgOr(info, 5, kDefaultBits);
  const mx::Stream stream = mx::to_stream(StreamArg(info, 6));
  std::optional<bool> int8;
  if (!IsMissing(info, 7)) int8 = BoolArg(info, 7);
  std::optional<float> factor;
  if (!IsMissing(info, 8)) factor = static_cast<float>(NumberArg(info, 8));
  const std::string why = CpuQuantizedMatmulUnsupported(x, w, scales, biases, true, g, b, "affine", stream, factor);
  if (!why.empty()) throw std::invalid_argument("[cpuQuantizedMatmul] " + why);
  if (factor) return Result(info.Env(), CpuQuantizedMatmulScaledBias(x, w, scales, *factor, g, b, stream, int8));
  return Result(info.Env(), CpuQuantizedMatmul(x, w, scales, *biases, g, b, stream, int8));
}

// cpuGeluTanh(x, stream?): GELU (tanh approximation) of a float32 array in one CPU pass.
Napi::Value CpuGeluTanhOp(const Napi::CallbackInfo& info) {
  return Result(info.Env(), CpuGeluTanh(ArrayArg(info, 0), mx::to_stream(StreamArg(info, 1))));
}

// cpuKernelInfo() -> { isa, bestIsa, threads }
Napi::Value CpuKernelInfo(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("isa", qmm::IsaName(qmm::ActiveIsa()));
  out.Set("bestIsa", qmm::IsaName(qmm::BestIsa()));
  out.Set("threads", CpuThreadPool::Shared().threads());
  out.Set("int8Activations", qmm::Int8ActivationsDefault());
  return out;
}

// setCpuKernelInt8Activations(on): the default for quantized products built from now on.
Napi::Value SetCpuKernelInt8Activations(const Napi::CallbackInfo& info) {
  qmm::SetInt8ActivationsDefault(BoolArg(info, 0));
  return info.Env().Undefined();
}

// setCpuKernelThreads(n): threads per kernel call, the calling one included.
Napi::Value SetCpuKernelThreads(const Napi::CallbackInfo& info) {
  const int n = IntArg(info, 0);
  if (n < 1 || n > 1024) throw ArgumentError("setCpuKernelThreads: expected an integer in 1..1024");
  CpuThreadPool::Shared().SetThreads(n);
  return info.Env().Undefined();
}

// setCpuKernelIsa('scalar' | 'avx2' | 'avx512') -> whether the CPU has it (and it is now used).
Napi::Value SetCpuKernelIsa(const Napi::CallbackInfo& info) {
  const std::string name = StringArg(info, 0);
  qmm::Isa isa;
  if (name == "scalar") {
    isa = qmm::Isa::Scalar;
  } else if (name == "avx2") {
    isa = qmm::Isa::Avx2;
  } else if (name == "avx512") {
    isa = qmm::Isa::Avx512;
  } else {
    throw ArgumentError("setCpuKernelIsa: expected 'scalar', 'avx2' or 'avx512'");
  }
  return Napi::Boolean::New(info.Env(), qmm::SetIsa(isa));
}

}  // namespace

void InitQuantized(Napi::Env env, Napi::Object exports) {
  Export<Quantize>(env, exports, "quantize");
  Export<Dequantize>(env, exports, "dequantize");
  Export<QuantizedMatmul>(env, exports, "quantizedMatmul");
  Export<CpuQuantizedMatmulOp>(env, exports, "cpuQuantizedMatmul");
  Export<CpuGeluTanhOp>(env, exports, "cpuGeluTanh");
  Export<CpuKernelInfo>(env, exports, "cpuKernelInfo");
  Export<SetCpuKernelInt8Activations>(env, exports, "setCpuKernelInt8Activations");
  Export<SetCpuKernelThreads>(env, exports, "setCpuKernelThreads");
  Export<SetCpuKernelIsa>(env, exports, "setCpuKernelIsa");
}

}  // namespace mlxts
