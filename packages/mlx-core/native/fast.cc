// mx.fast: fused kernels where the backend has them (composites on CPU).
#include "common.h"

namespace mlxts {
namespace {

// rmsNorm(x, weight | undefined, eps, stream?)
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::fast::rms_norm(ArrayArg(info, 0), OptionalArrayArg(info, 1),
                                               static_cast<float>(NumberArg(info, 2)), StreamArg(info, 3)));
}

// layerNorm(x, weight | undefined, bias | undefined, eps, stream?)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::fast::layer_norm(ArrayArg(info, 0), OptionalArrayArg(info, 1), OptionalArrayArg(info, 2),
                                                 static_cast<float>(NumberArg(info, 3)), StreamArg(info, 4)));
}

// rope(x, dims, traditional, base | undefined, scale, offset: number | handle, offsetIsArray, freqs | undefined, stream?)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  const mx::array& x = ArrayArg(info, 0);
  const int dims = IntArg(info, 1);
  const bool traditional = BoolArg(info, 2);
  std::optional<float> base;
  if (!IsMissing(info, 3)) base = static_cast<float>(NumberArg(info, 3));
  const float scale = static_cast<float>(NumberArg(info, 4));
  const std::optional<mx::array> freqs = OptionalArrayArg(info, 7);
  const auto s = StreamArg(info, 8);
  if (BoolArg(info, 6)) {
    return Result(info.Env(), mx::fast::rope(x, dims, traditional, base, scale, ArrayArg(info, 5), freqs, s));
  }
  return Result(info.Env(), mx::fast::rope(x, dims, traditional, base, scale, IntArg(info, 5), freqs, s));
}

// sdpa(q, k, v, scale, maskMode: '' | 'causal' | 'array', mask | undefined, sinks | undefined, stream?)
Napi::Value Sdpa(const Napi::CallbackInfo& info) {
  std::optional<mx::array> mask = OptionalArrayArg(info, 5);
  return Result(info.Env(), mx::fast::scaled_dot_product_attention(
                                ArrayArg(info, 0), ArrayArg(info, 1), ArrayArg(info, 2), static_cast<float>(NumberArg(info, 3)),
                                StringArg(info, 4), mask, OptionalArrayArg(info, 6), false, StreamArg(info, 7)));
}

}  // namespace

void InitFast(Napi::Env env, Napi::Object exports) {
  Export<RmsNorm>(env, exports, "rmsNorm");
  Export<LayerNorm>(env, exports, "layerNorm");
  Export<Rope>(env, exports, "rope");
  Export<Sdpa>(env, exports, "scaledDotProductAttention");
}

}  // namespace mlxts
