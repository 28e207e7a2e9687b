// mx.fast: fused kernels where the backend has them (composites on CPU).
#include <limits>

#include "common.h"
#include "cpu_attention_decode.h"
#include "cpu_attention_prefill.h"
#include "cpu_kernel_switch.h"
#include "cpu_logits_top_k.h"
#include "cpu_rms_norm.h"
#include "cpu_rope.h"
#include "cpu_token_bitmask.h"
#include "gpu_attention_decode.h"
#include "gpu_matvec.h"
#include "gpu_norm_rope.h"
#include "gpu_residual_norm.h"
#include "gpu_rope_heads.h"

namespace mlxts {
namespace {

// rmsNorm(x, weight | undefined, eps, stream?, cpuKernel = true)
// On a CPU stream, float32 inputs go to the addon's kernel unless cpuKernel is false: MLX itself
// has none there and builds its fallback graph.
Napi::Value RmsNorm(const Napi::CallbackInfo& info) {
  const mx::array& x = ArrayArg(info, 0);
  const std::optional<mx::array> weight = OptionalArrayArg(info, 1);
  const float eps = static_cast<float>(NumberArg(info, 2));
  const mx::StreamOrDevice s = StreamArg(info, 3);
  if (BoolArg(info, 4, true) && CpuKernelByDefault()) {
    const mx::Stream stream = mx::to_stream(s);
    if (CpuRmsNormUnsupported(x, weight, stream).empty()) return Result(info.Env(), CpuRmsNorm(x, weight, eps, stream));
  }
  return Result(info.Env(), mx::fast::rms_norm(x, weight, eps, s));
}

// cpuRmsNorm(x, weight | undefined, eps, stream?): the addon's kernel or an error saying why not.
Napi::Value CpuRmsNormOp(const Napi::CallbackInfo& info) {
  return Result(info.Env(), CpuRmsNorm(ArrayArg(info, 0), OptionalArrayArg(info, 1), static_cast<float>(NumberArg(info, 2)),
                                       mx::to_stream(StreamArg(info, 3))));
}

// layerNorm(x, weight | undefined, bias | undefined, eps, stream?)
Napi::Value LayerNorm(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::fast::layer_norm(ArrayArg(info, 0), OptionalArrayArg(info, 1), OptionalArrayArg(info, 2),
                                                 static_cast<float>(NumberArg(info, 3)), StreamArg(info, 4)));
}

RopeArgs RopeArgsOf(const Napi::CallbackInfo& info) {
  RopeArgs args{IntArg(info, 1), BoolArg(info, 2), std::nullopt, static_cast<float>(NumberArg(info, 4)), OptionalArrayArg(info, 7)};
  if (!IsMissing(info, 3)) args.base = static_cast<float>(NumberArg(info, 3));
  return args;
}

RopeOffset RopeOffsetOf(const Napi::CallbackInfo& info) {
  if (BoolArg(info, 6)) return ArrayArg(info, 5);
  return IntArg(info, 5);
}

// rope(x, dims, traditional, base | undefined, scale, offset: number | handle, offsetIsArray, freqs | undefined, stream?,
//      cpuKernel = true)
// On a CPU stream, float32 inputs go to the addon's kernel unless cpuKernel is false: MLX itself
// has none there and builds its fallback graph.
Napi::Value Rope(const Napi::CallbackInfo& info) {
  const mx::array& x = ArrayArg(info, 0);
  const RopeArgs args = RopeArgsOf(info);
  const RopeOffset offset = RopeOffsetOf(info);
  const mx::StreamOrDevice s = StreamArg(info, 8);
  if (BoolArg(info, 9, true) && CpuKernelByDefault()) {
    const mx::Stream stream = mx::to_stream(s);
    if (CpuRopeUnsupported(x, args, offset, stream).empty()) return Result(info.Env(), CpuRope(x, args, offset, stream));
  }
  if (const int* n = std::get_if<int>(&offset)) {
    return Result(info.Env(), mx::fast::rope(x, args.dims, args.traditional, args.base, args.scale, *n, args.freqs, s));
  }
  return Result(info.Env(), mx::fast::rope(x, args.dims, args.traditional, args.base, args.scale, std::get<mx::array>(offset),
                                           args.freqs, s));
}

// cpuRope(same arguments as rope, without cpuKernel): the addon's kernel or an error saying why not.
Napi::Value CpuRopeOp(const Napi::CallbackInfo& info) {
  return Result(info.Env(), CpuRope(ArrayArg(info, 0), RopeArgsOf(info), RopeOffsetOf(info), mx::to_stream(StreamArg(info, 8))));
}

// sdpa(q, k, v, scale, maskMode: '' | 'causal' | 'array', mask | undefined, sinks | undefined, stream?, cpuKernel = true)
// Float32 attention without a mask array (none or causal) goes to the addon's kernels on a CPU
// stream unless cpuKernel is false: the decode kernel for one query position (causal then sees
// every key), the prefill kernel for more. On CUDA, one query position at a head dim MLX has no
// fused kernel for goes to the addon's (gpu_attention_decode.cc).
Napi::Value Sdpa(const Napi::CallbackInfo& info) {
  std::optional<mx::array> mask = OptionalArrayArg(info, 5);
  const std::string mode = StringArg(info, 4);
  if (BoolArg(info, 8, true) && CpuKernelByDefault() && !mask && IsMissing(info, 6) && (mode.empty() || mode == "causal")) {
    const mx::Stream stream = mx::to_stream(StreamArg(info, 7));
    const mx::array& q = ArrayArg(info, 0);
    const mx::array& k = ArrayArg(info, 1);
    const mx::array& v = ArrayArg(info, 2);
    if (CpuAttentionDecodeUnsupported(q, k, v, stream).empty()) {
      return Result(info.Env(), CpuAttentionDecode(q, k, v, static_cast<float>(NumberArg(info, 3)), stream));
    }
    if (CpuAttentionPrefillUnsupported(q, k, v, stream).empty()) {
      return Result(info.Env(), CpuAttentionPrefill(q, k, v, static_cast<float>(NumberArg(info, 3)), mode == "causal", stream));
    }
  }
  // One query position on CUDA at a head dim MLX does not fuse: the addon's kernel (causal then
  // sees every key, as without a mask).
  if (IsMissing(info, 6) && (mode.empty() || mode == "causal" || mode == "array")) {
    const mx::Stream stream = mx::to_stream(StreamArg(info, 7));
    const mx::array& q = ArrayArg(info, 0);
    const mx::array& k = ArrayArg(info, 1);
    const mx::array& v = ArrayArg(info, 2);
    if (std::optional<mx::array> out = GpuAttentionDecode(q, k, v, static_cast<float>(NumberArg(info, 3)), mask, stream)) {
      return Result(info.Env(), *out);
    }
  }
  return Result(info.Env(), mx::fast::scaled_dot_product_attention(
                                ArrayArg(info, 0), ArrayArg(info, 1), ArrayArg(info, 2), static_cast<float>(NumberArg(info, 3)),
                                StringArg(info, 4), mask, OptionalArrayArg(info, 6), false, StreamArg(info, 7)));
}

// logitsTopK(logits [B, V], k, stream?) -> [logsumexp [B, 1], ids [B, k] int32 ascending, values [B, k]].
// The addon's fused kernel on a CPU stream for float32 logits; elsewhere the same from MLX ops.
Napi::Value LogitsTopK(const Napi::CallbackInfo& info) {
  const mx::array& logits = ArrayArg(info, 0);
  const int k = IntArg(info, 1);
  const mx::Stream stream = mx::to_stream(StreamArg(info, 2));
  if (logits.ndim() != 2) throw std::invalid_argument("[logitsTopK] logits must be [rows, vocabulary]");
  const int vocabulary = logits.shape(1);
  if (k < 1 || k > vocabulary) {
    throw std::invalid_argument("[logitsTopK] k must be in 1.." + std::to_string(vocabulary) + ", got " + std::to_string(k));
  }
  if (CpuLogitsTopKUnsupported(logits, k, stream).empty()) return Results(info.Env(), CpuLogitsTopK(logits, k, stream));
  const mx::array x = mx::astype(logits, mx::float32, stream);
  const mx::array lse = mx::logsumexp(x, -1, true, stream);
  const int rows = logits.shape(0);
  const mx::array ranked = mx::argpartition(mx::negative(x, stream), k - 1, -1, stream);
  const mx::array ids = mx::astype(mx::sort(mx::slice(ranked, {0, 0}, {rows, k}, stream), -1, stream), mx::int32, stream);
  return Results(info.Env(), {lse, ids, mx::take_along_axis(x, ids, -1, stream)});
}

// applyTokenBitmask(logits [B, V], words int32 [B, ceil(V / 32)], stream?) -> logits with every
// token whose bit is clear set to -inf. The addon's kernel on a CPU stream for float32 logits;
// elsewhere the same from MLX ops.
Napi::Value ApplyTokenBitmask(const Napi::CallbackInfo& info) {
  const mx::array& logits = ArrayArg(info, 0);
  const mx::array& words = ArrayArg(info, 1);
  const mx::Stream stream = mx::to_stream(StreamArg(info, 2));
  if (logits.ndim() != 2) throw std::invalid_argument("[applyTokenBitmask] logits must be [rows, vocabulary]");
  const int rows = logits.shape(0);
  const int vocabulary = logits.shape(1);
  const int width = (vocabulary + 31) / 32;
  if (words.ndim() != 2 || words.shape(0) != rows || words.shape(1) != width || (words.dtype() != mx::int32 && words.dtype() != mx::uint32)) {
    throw std::invalid_argument("[applyTokenBitmask] words must be int32 [" + std::to_string(rows) + ", " + std::to_string(width) +
                                "]: one bit per token of each row");
  }
  const mx::array packed = mx::view(words, mx::uint32, stream);
  if (CpuTokenBitmaskUnsupported(logits, packed, stream).empty()) return Result(info.Env(), CpuTokenBitmask(logits, packed, stream));
  const mx::array shifts = mx::arange(0, 32, mx::uint32, stream);
  const mx::array bits = mx::bitwise_and(mx::right_shift(mx::expand_dims(packed, -1, stream), shifts, stream), mx::array(1u, mx::uint32), stream);
  const mx::array allowed = mx::slice(mx::reshape(bits, {rows, width * 32}, stream), {0, 0}, {rows, vocabulary}, stream);
  const mx::array refused = mx::array(-std::numeric_limits<float>::infinity(), logits.dtype());
  return Result(info.Env(), mx::where(mx::not_equal(allowed, mx::array(0u, mx::uint32), stream), logits, refused, stream));
}

// residualRmsNorm(x, y, postWeight | undefined, nextWeight, eps, stream?) -> [h, normed]:
// h = x + (postWeight ? rms_norm(y, postWeight) : y), normed = rms_norm(h, nextWeight). One
// kernel on CUDA, MLX ops elsewhere.
Napi::Value ResidualRmsNormOp(const Napi::CallbackInfo& info) {
  auto [h, normed] = ResidualRmsNorm(ArrayArg(info, 0), ArrayArg(info, 1), OptionalArrayArg(info, 2), ArrayArg(info, 3),
                                     static_cast<float>(NumberArg(info, 4)), mx::to_stream(StreamArg(info, 5)));
  return Results(info.Env(), {h, normed});
}

// rmsNormRope(x, weight, eps, dims, traditional, base | undefined, scale, offset: number | handle,
//             offsetIsArray, freqs | undefined, stream?): rope of the transposed rms_norm of x
// [B, L, H, D] (one kernel on CUDA, MLX ops elsewhere).
Napi::Value RmsNormRopeOp(const Napi::CallbackInfo& info) {
  RopeArgs args{IntArg(info, 3), BoolArg(info, 4), std::nullopt, static_cast<float>(NumberArg(info, 6)), OptionalArrayArg(info, 9)};
  if (!IsMissing(info, 5)) args.base = static_cast<float>(NumberArg(info, 5));
  const RopeOffset offset = BoolArg(info, 8) ? RopeOffset(ArrayArg(info, 7)) : RopeOffset(IntArg(info, 7));
  return Result(info.Env(), RmsNormRope(ArrayArg(info, 0), ArrayArg(info, 1), static_cast<float>(NumberArg(info, 2)), args, offset,
                                        mx::to_stream(StreamArg(info, 10))));
}

// ropeHeads(proj, nq, nkv, qWeight | undefined, kWeight | undefined, eps, dims, traditional, base | undefined, scale,
//           offset: number | handle, offsetIsArray, freqs | undefined, stream?) -> [q, k, v]: the heads of a
// stacked q/k/v projection [B, L, (nq + 2·nkv)·D], queries and keys normed and rotated (one kernel on CUDA).
Napi::Value RopeHeadsOp(const Napi::CallbackInfo& info) {
  RopeArgs args{IntArg(info, 6), BoolArg(info, 7), std::nullopt, static_cast<float>(NumberArg(info, 9)), OptionalArrayArg(info, 12)};
  if (!IsMissing(info, 8)) args.base = static_cast<float>(NumberArg(info, 8));
  const RopeOffset offset = BoolArg(info, 11) ? RopeOffset(ArrayArg(info, 10)) : RopeOffset(IntArg(info, 10));
  return Results(info.Env(), RopeHeads(ArrayArg(info, 0), IntArg(info, 1), IntArg(info, 2), OptionalArrayArg(info, 3), OptionalArrayArg(info, 4),
                                       static_cast<float>(NumberArg(info, 5)), args, offset, mx::to_stream(StreamArg(info, 13))));
}

// matVec(x, w, stream?): x [..., K] of one row @ wᵀ for w [N, K] (the addon's kernel on CUDA, matmul elsewhere).
Napi::Value MatVecOp(const Napi::CallbackInfo& info) {
  return Result(info.Env(), MatVec(ArrayArg(info, 0), ArrayArg(info, 1), mx::to_stream(StreamArg(info, 2))));
}

}  // namespace

void InitFast(Napi::Env env, Napi::Object exports) {
  Export<RmsNorm>(env, exports, "rmsNorm");
  Export<LayerNorm>(env, exports, "layerNorm");
  Export<Rope>(env, exports, "rope");
  Export<CpuRmsNormOp>(env, exports, "cpuRmsNorm");
  Export<CpuRopeOp>(env, exports, "cpuRope");
  Export<Sdpa>(env, exports, "scaledDotProductAttention");
  Export<LogitsTopK>(env, exports, "logitsTopK");
  Export<ApplyTokenBitmask>(env, exports, "applyTokenBitmask");
  Export<ResidualRmsNormOp>(env, exports, "residualRmsNorm");
  Export<RmsNormRopeOp>(env, exports, "rmsNormRope");
  Export<RopeHeadsOp>(env, exports, "ropeHeads");
  Export<MatVecOp>(env, exports, "matVec");
}

}  // namespace mlxts
