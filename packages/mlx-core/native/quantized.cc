// Quantization: quantize, dequantize and matmul against quantized weights.
#include "common.h"

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

// quantizedMatmul(x, w, scales, biases | undefined, transpose, groupSize, bits, mode, stream?)
Napi::Value QuantizedMatmul(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::quantized_matmul(ArrayArg(info, 0), ArrayArg(info, 1), ArrayArg(info, 2), OptionalArrayArg(info, 3),
                                                 BoolArg(info, 4, true), OptionalInt(info, 5), OptionalInt(info, 6), ModeArg(info, 7),
                                                 StreamArg(info, 8)));
}

}  // namespace

void InitQuantized(Napi::Env env, Napi::Object exports) {
  Export<Quantize>(env, exports, "quantize");
  Export<Dequantize>(env, exports, "dequantize");
  Export<QuantizedMatmul>(env, exports, "quantizedMatmul");
}

}  // namespace mlxts
