// Core ops. Elementwise unary/binary ops and reductions go through one dispatcher each, keyed
// by an op code; the names are exported (unaryOps, binaryOps, reduceOps) so the TS layer can
// check at load time that its tables match this build.
#include <functional>

#include "common.h"

namespace mlxts {
namespace {

using S = mx::StreamOrDevice;
using UnaryFn = mx::array (*)(const mx::array&, S);
using BinaryFn = mx::array (*)(const mx::array&, const mx::array&, S);
using ReduceFn = std::function<mx::array(const mx::array&, const std::vector<int>&, bool, S)>;
using ReduceAllFn = std::function<mx::array(const mx::array&, bool, S)>;

struct UnaryOp {
  const char* name;
  UnaryFn fn;
};
struct BinaryOp {
  const char* name;
  BinaryFn fn;
};
struct ReduceOp {
  const char* name;
  ReduceFn axes;
  ReduceAllFn all;
};

const UnaryOp kUnary[] = {
    {"abs", [](const mx::array& a, S s) { return mx::abs(a, s); }},
    {"negative", [](const mx::array& a, S s) { return mx::negative(a, s); }},
    {"sign", [](const mx::array& a, S s) { return mx::sign(a, s); }},
    {"floor", [](const mx::array& a, S s) { return mx::floor(a, s); }},
    {"ceil", [](const mx::array& a, S s) { return mx::ceil(a, s); }},
    {"round", [](const mx::array& a, S s) { return mx::round(a, 0, s); }},
    {"exp", [](const mx::array& a, S s) { return mx::exp(a, s); }},
    {"expm1", [](const mx::array& a, S s) { return mx::expm1(a, s); }},
    {"log", [](const mx::array& a, S s) { return mx::log(a, s); }},
    {"log1p", [](const mx::array& a, S s) { return mx::log1p(a, s); }},
    {"log2", [](const mx::array& a, S s) { return mx::log2(a, s); }},
    {"log10", [](const mx::array& a, S s) { return mx::log10(a, s); }},
    {"sqrt", [](const mx::array& a, S s) { return mx::sqrt(a, s); }},
    {"rsqrt", [](const mx::array& a, S s) { return mx::rsqrt(a, s); }},
    {"square", [](const mx::array& a, S s) { return mx::square(a, s); }},
    {"reciprocal", [](const mx::array& a, S s) { return mx::reciprocal(a, s); }},
    {"sin", [](const mx::array& a, S s) { return mx::sin(a, s); }},
    {"cos", [](const mx::array& a, S s) { return mx::cos(a, s); }},
    {"tan", [](const mx::array& a, S s) { return mx::tan(a, s); }},
    {"tanh", [](const mx::array& a, S s) { return mx::tanh(a, s); }},
    {"sinh", [](const mx::array& a, S s) { return mx::sinh(a, s); }},
    {"cosh", [](const mx::array& a, S s) { return mx::cosh(a, s); }},
    {"arcsin", [](const mx::array& a, S s) { return mx::arcsin(a, s); }},
    {"arccos", [](const mx::array& a, S s) { return mx::arccos(a, s); }},
    {"arctan", [](const mx::array& a, S s) { return mx::arctan(a, s); }},
    {"sigmoid", [](const mx::array& a, S s) { return mx::sigmoid(a, s); }},
    {"erf", [](const mx::array& a, S s) { return mx::erf(a, s); }},
    {"erfinv", [](const mx::array& a, S s) { return mx::erfinv(a, s); }},
    {"logicalNot", [](const mx::array& a, S s) { return mx::logical_not(a, s); }},
    {"isnan", [](const mx::array& a, S s) { return mx::isnan(a, s); }},
    {"isinf", [](const mx::array& a, S s) { return mx::isinf(a, s); }},
    {"isfinite", [](const mx::array& a, S s) { return mx::isfinite(a, s); }},
    {"stopGradient", [](const mx::array& a, S s) { return mx::stop_gradient(a, s); }},
    {"copy", [](const mx::array& a, S s) { return mx::copy(a, s); }},
    {"contiguous", [](const mx::array& a, S s) { return mx::contiguous(a, false, s); }},
    {"zerosLike", [](const mx::array& a, S s) { return mx::zeros_like(a, s); }},
    {"onesLike", [](const mx::array& a, S s) { return mx::ones_like(a, s); }},
};

const BinaryOp kBinary[] = {
    {"add", [](const mx::array& a, const mx::array& b, S s) { return mx::add(a, b, s); }},
    {"subtract", [](const mx::array& a, const mx::array& b, S s) { return mx::subtract(a, b, s); }},
    {"multiply", [](const mx::array& a, const mx::array& b, S s) { return mx::multiply(a, b, s); }},
    {"divide", [](const mx::array& a, const mx::array& b, S s) { return mx::divide(a, b, s); }},
    {"power", [](const mx::array& a, const mx::array& b, S s) { return mx::power(a, b, s); }},
    {"maximum", [](const mx::array& a, const mx::array& b, S s) { return mx::maximum(a, b, s); }},
    {"minimum", [](const mx::array& a, const mx::array& b, S s) { return mx::minimum(a, b, s); }},
    {"equal", [](const mx::array& a, const mx::array& b, S s) { return mx::equal(a, b, s); }},
    {"notEqual", [](const mx::array& a, const mx::array& b, S s) { return mx::not_equal(a, b, s); }},
    {"less", [](const mx::array& a, const mx::array& b, S s) { return mx::less(a, b, s); }},
    {"lessEqual", [](const mx::array& a, const mx::array& b, S s) { return mx::less_equal(a, b, s); }},
    {"greater", [](const mx::array& a, const mx::array& b, S s) { return mx::greater(a, b, s); }},
    {"greaterEqual", [](const mx::array& a, const mx::array& b, S s) { return mx::greater_equal(a, b, s); }},
    {"logicalAnd", [](const mx::array& a, const mx::array& b, S s) { return mx::logical_and(a, b, s); }},
    {"logicalOr", [](const mx::array& a, const mx::array& b, S s) { return mx::logical_or(a, b, s); }},
    {"floorDivide", [](const mx::array& a, const mx::array& b, S s) { return mx::floor_divide(a, b, s); }},
    {"remainder", [](const mx::array& a, const mx::array& b, S s) { return mx::remainder(a, b, s); }},
    {"arctan2", [](const mx::array& a, const mx::array& b, S s) { return mx::arctan2(a, b, s); }},
    {"logaddexp", [](const mx::array& a, const mx::array& b, S s) { return mx::logaddexp(a, b, s); }},
    {"bitwiseAnd", [](const mx::array& a, const mx::array& b, S s) { return mx::bitwise_and(a, b, s); }},
    {"bitwiseOr", [](const mx::array& a, const mx::array& b, S s) { return mx::bitwise_or(a, b, s); }},
    {"bitwiseXor", [](const mx::array& a, const mx::array& b, S s) { return mx::bitwise_xor(a, b, s); }},
    {"leftShift", [](const mx::array& a, const mx::array& b, S s) { return mx::left_shift(a, b, s); }},
    {"rightShift", [](const mx::array& a, const mx::array& b, S s) { return mx::right_shift(a, b, s); }},
};

const ReduceOp kReduce[] = {
    {"sum", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::sum(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::sum(a, k, s); }},
    {"mean", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::mean(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::mean(a, k, s); }},
    {"max", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::max(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::max(a, k, s); }},
    {"min", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::min(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::min(a, k, s); }},
    {"prod", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::prod(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::prod(a, k, s); }},
    {"all", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::all(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::all(a, k, s); }},
    {"any", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::any(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::any(a, k, s); }},
    {"logsumexp", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::logsumexp(a, ax, k, s); },
     [](const mx::array& a, bool k, S s) { return mx::logsumexp(a, k, s); }},
    {"var", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::var(a, ax, k, 0, s); },
     [](const mx::array& a, bool k, S s) { return mx::var(a, k, 0, s); }},
    {"std", [](const mx::array& a, const std::vector<int>& ax, bool k, S s) { return mx::std(a, ax, k, 0, s); },
     [](const mx::array& a, bool k, S s) { return mx::std(a, k, 0, s); }},
};

template <typename T, size_t N>
Napi::Value Names(Napi::Env env, const T (&table)[N]) {
  auto out = Napi::Array::New(env, N);
  for (size_t k = 0; k < N; ++k) out.Set(static_cast<uint32_t>(k), Napi::String::New(env, table[k].name));
  return out;
}

template <typename T, size_t N>
const T& Lookup(const T (&table)[N], int code) {
  if (code < 0 || static_cast<size_t>(code) >= N) throw ArgumentError("unknown op code " + std::to_string(code));
  return table[code];
}

// unary(code, a, stream?)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const auto& op = Lookup(kUnary, IntArg(info, 0));
  return Result(info.Env(), op.fn(ArrayArg(info, 1), StreamArg(info, 2)));
}

// binary(code, a, b, stream?)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const auto& op = Lookup(kBinary, IntArg(info, 0));
  return Result(info.Env(), op.fn(ArrayArg(info, 1), ArrayArg(info, 2), StreamArg(info, 3)));
}

// binaryScalar(code, a, value, scalarFirst, stream?): the number takes a's dtype (weak typing).
Napi::Value BinaryScalar(const Napi::CallbackInfo& info) {
  const auto& op = Lookup(kBinary, IntArg(info, 0));
  const mx::array& a = ArrayArg(info, 1);
  mx::array scalar = WeakScalar(NumberArg(info, 2), a);
  const S s = StreamArg(info, 4);
  return Result(info.Env(), BoolArg(info, 3) ? op.fn(scalar, a, s) : op.fn(a, scalar, s));
}

// reduce(code, a, axes | undefined, keepdims, stream?)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const auto& op = Lookup(kReduce, IntArg(info, 0));
  const mx::array& a = ArrayArg(info, 1);
  const bool keepdims = BoolArg(info, 3);
  const S s = StreamArg(info, 4);
  if (IsMissing(info, 2)) return Result(info.Env(), op.all(a, keepdims, s));
  return Result(info.Env(), op.axes(a, IntVectorArg(info, 2), keepdims, s));
}

// argReduce(isMin, a, axis | undefined, keepdims, stream?)
Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  const bool is_min = BoolArg(info, 0);
  const mx::array& a = ArrayArg(info, 1);
  const bool keepdims = BoolArg(info, 3);
  const S s = StreamArg(info, 4);
  if (IsMissing(info, 2)) return Result(info.Env(), is_min ? mx::argmin(a, keepdims, s) : mx::argmax(a, keepdims, s));
  const int axis = IntArg(info, 2);
  return Result(info.Env(), is_min ? mx::argmin(a, axis, keepdims, s) : mx::argmax(a, axis, keepdims, s));
}

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::matmul(ArrayArg(info, 0), ArrayArg(info, 1), StreamArg(info, 2)));
}

// addmm(c, a, b, alpha, beta, stream?) = alpha * (a @ b) + beta * c
Napi::Value Addmm(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::addmm(ArrayArg(info, 0), ArrayArg(info, 1), ArrayArg(info, 2),
                                      static_cast<float>(NumberArg(info, 3)), static_cast<float>(NumberArg(info, 4)),
                                      StreamArg(info, 5)));
}

Napi::Value AsType(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::astype(ArrayArg(info, 0), DtypeArg(info, 1), StreamArg(info, 2)));
}

Napi::Value Reshape(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::reshape(ArrayArg(info, 0), ShapeArg(info, 1), StreamArg(info, 2)));
}

// flatten(a, startAxis, endAxis, stream?)
Napi::Value Flatten(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::flatten(ArrayArg(info, 0), IntArgOr(info, 1, 0), IntArgOr(info, 2, -1), StreamArg(info, 3)));
}

// transpose(a, axes | undefined, stream?)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 1)) return Result(info.Env(), mx::transpose(ArrayArg(info, 0), StreamArg(info, 2)));
  return Result(info.Env(), mx::transpose(ArrayArg(info, 0), IntVectorArg(info, 1), StreamArg(info, 2)));
}

Napi::Value Swapaxes(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::swapaxes(ArrayArg(info, 0), IntArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}

Napi::Value Moveaxis(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::moveaxis(ArrayArg(info, 0), IntArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}

Napi::Value ExpandDims(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::expand_dims(ArrayArg(info, 0), IntVectorArg(info, 1), StreamArg(info, 2)));
}

// squeeze(a, axes | undefined, stream?)
Napi::Value Squeeze(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 1)) return Result(info.Env(), mx::squeeze(ArrayArg(info, 0), StreamArg(info, 2)));
  return Result(info.Env(), mx::squeeze(ArrayArg(info, 0), IntVectorArg(info, 1), StreamArg(info, 2)));
}

Napi::Value BroadcastTo(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::broadcast_to(ArrayArg(info, 0), ShapeArg(info, 1), StreamArg(info, 2)));
}

// slice(a, start, stop, strides, stream?)
Napi::Value Slice(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::slice(ArrayArg(info, 0), ShapeArg(info, 1), ShapeArg(info, 2), ShapeArg(info, 3), StreamArg(info, 4)));
}

// sliceDynamic(a, start: array, axes, sizes, stream?)
Napi::Value SliceDynamic(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::slice(ArrayArg(info, 0), ArrayArg(info, 1), IntVectorArg(info, 2), ShapeArg(info, 3), StreamArg(info, 4)));
}

// sliceUpdate(a, update, start, stop, strides, stream?)
Napi::Value SliceUpdate(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::slice_update(ArrayArg(info, 0), ArrayArg(info, 1), ShapeArg(info, 2), ShapeArg(info, 3),
                                             ShapeArg(info, 4), StreamArg(info, 5)));
}

// sliceUpdateDynamic(a, update, start: array, axes, stream?)
Napi::Value SliceUpdateDynamic(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::slice_update(ArrayArg(info, 0), ArrayArg(info, 1), ArrayArg(info, 2), IntVectorArg(info, 3),
                                             StreamArg(info, 4)));
}

Napi::Value Concatenate(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::concatenate(ArrayVectorArg(info, 0), IntArgOr(info, 1, 0), StreamArg(info, 2)));
}

Napi::Value Stack(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::stack(ArrayVectorArg(info, 0), IntArgOr(info, 1, 0), StreamArg(info, 2)));
}

// split(a, sectionsOrIndices: number | number[], axis, stream?)
Napi::Value Split(const Napi::CallbackInfo& info) {
  const mx::array& a = ArrayArg(info, 0);
  const int axis = IntArgOr(info, 2, 0);
  if (info[1].IsNumber()) return Results(info.Env(), mx::split(a, IntArg(info, 1), axis, StreamArg(info, 3)));
  return Results(info.Env(), mx::split(a, ShapeArg(info, 1), axis, StreamArg(info, 3)));
}

// take(a, indices, axis | undefined, stream?)
Napi::Value Take(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 2)) return Result(info.Env(), mx::take(ArrayArg(info, 0), ArrayArg(info, 1), StreamArg(info, 3)));
  return Result(info.Env(), mx::take(ArrayArg(info, 0), ArrayArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}

// takeAlongAxis(a, indices, axis | undefined, stream?)
Napi::Value TakeAlongAxis(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 2)) {
    return Result(info.Env(), mx::take_along_axis(mx::flatten(ArrayArg(info, 0)), mx::flatten(ArrayArg(info, 1)), 0, StreamArg(info, 3)));
  }
  return Result(info.Env(), mx::take_along_axis(ArrayArg(info, 0), ArrayArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}

// putAlongAxis(a, indices, values, axis | undefined, stream?)
Napi::Value PutAlongAxis(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 3)) {
    const mx::array& a = ArrayArg(info, 0);
    mx::array flat = mx::put_along_axis(mx::flatten(a), mx::flatten(ArrayArg(info, 1)), mx::flatten(ArrayArg(info, 2)), 0, StreamArg(info, 4));
    return Result(info.Env(), mx::reshape(flat, a.shape()));
  }
  return Result(info.Env(), mx::put_along_axis(ArrayArg(info, 0), ArrayArg(info, 1), ArrayArg(info, 2), IntArg(info, 3), StreamArg(info, 4)));
}

Napi::Value Where(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::where(ArrayArg(info, 0), ArrayArg(info, 1), ArrayArg(info, 2), StreamArg(info, 3)));
}

// softmax(a, axes | undefined, precise, stream?)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const bool precise = BoolArg(info, 2);
  if (IsMissing(info, 1)) return Result(info.Env(), mx::softmax(ArrayArg(info, 0), precise, StreamArg(info, 3)));
  return Result(info.Env(), mx::softmax(ArrayArg(info, 0), IntVectorArg(info, 1), precise, StreamArg(info, 3)));
}

// scan(kind, a, axis | undefined, reverse, inclusive, stream?): kind 0 sum, 1 prod, 2 max, 3 min
Napi::Value Scan(const Napi::CallbackInfo& info) {
  const int kind = IntArg(info, 0);
  mx::array a = ArrayArg(info, 1);
  int axis = 0;
  if (IsMissing(info, 2)) {
    a = mx::flatten(a);
  } else {
    axis = IntArg(info, 2);
  }
  const bool reverse = BoolArg(info, 3);
  const bool inclusive = BoolArg(info, 4, true);
  const S s = StreamArg(info, 5);
  switch (kind) {
    case 0: return Result(info.Env(), mx::cumsum(a, axis, reverse, inclusive, s));
    case 1: return Result(info.Env(), mx::cumprod(a, axis, reverse, inclusive, s));
    case 2: return Result(info.Env(), mx::cummax(a, axis, reverse, inclusive, s));
    case 3: return Result(info.Env(), mx::cummin(a, axis, reverse, inclusive, s));
  }
  throw ArgumentError("unknown scan kind");
}

// sort(a, axis | undefined, stream?) and argsort
Napi::Value Sort(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 1)) return Result(info.Env(), mx::sort(ArrayArg(info, 0), StreamArg(info, 2)));
  return Result(info.Env(), mx::sort(ArrayArg(info, 0), IntArg(info, 1), StreamArg(info, 2)));
}
Napi::Value Argsort(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 1)) return Result(info.Env(), mx::argsort(ArrayArg(info, 0), StreamArg(info, 2)));
  return Result(info.Env(), mx::argsort(ArrayArg(info, 0), IntArg(info, 1), StreamArg(info, 2)));
}

// argpartition(a, kth, axis | undefined, stream?) and partition
Napi::Value Argpartition(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 2)) return Result(info.Env(), mx::argpartition(ArrayArg(info, 0), IntArg(info, 1), StreamArg(info, 3)));
  return Result(info.Env(), mx::argpartition(ArrayArg(info, 0), IntArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}
Napi::Value Partition(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 2)) return Result(info.Env(), mx::partition(ArrayArg(info, 0), IntArg(info, 1), StreamArg(info, 3)));
  return Result(info.Env(), mx::partition(ArrayArg(info, 0), IntArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}

// topk(a, k, axis | undefined, stream?)
Napi::Value Topk(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 2)) return Result(info.Env(), mx::topk(ArrayArg(info, 0), IntArg(info, 1), StreamArg(info, 3)));
  return Result(info.Env(), mx::topk(ArrayArg(info, 0), IntArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}

// clip(a, min | undefined, max | undefined, stream?)
Napi::Value Clip(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::clip(ArrayArg(info, 0), OptionalArrayArg(info, 1), OptionalArrayArg(info, 2), StreamArg(info, 3)));
}

// full(shape, value: handle, dtype | undefined, stream?)
Napi::Value Full(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 2)) return Result(info.Env(), mx::full(ShapeArg(info, 0), ArrayArg(info, 1), StreamArg(info, 3)));
  return Result(info.Env(), mx::full(ShapeArg(info, 0), ArrayArg(info, 1), DtypeArg(info, 2), StreamArg(info, 3)));
}

Napi::Value Zeros(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::zeros(ShapeArg(info, 0), DtypeArg(info, 1), StreamArg(info, 2)));
}

Napi::Value Ones(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::ones(ShapeArg(info, 0), DtypeArg(info, 1), StreamArg(info, 2)));
}

// arange(start, stop, step, dtype, stream?)
Napi::Value Arange(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::arange(NumberArg(info, 0), NumberArg(info, 1), NumberArg(info, 2), DtypeArg(info, 3), StreamArg(info, 4)));
}

// linspace(start, stop, num, dtype, stream?)
Napi::Value Linspace(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::linspace(NumberArg(info, 0), NumberArg(info, 1), IntArg(info, 2), DtypeArg(info, 3), StreamArg(info, 4)));
}

// eye(n, m, k, dtype, stream?)
Napi::Value Eye(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::eye(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), DtypeArg(info, 3), StreamArg(info, 4)));
}

// tri(n, m, k, dtype, stream?)
Napi::Value Tri(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::tri(IntArg(info, 0), IntArg(info, 1), IntArg(info, 2), DtypeArg(info, 3), StreamArg(info, 4)));
}

Napi::Value Tril(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::tril(ArrayArg(info, 0), IntArgOr(info, 1, 0), StreamArg(info, 2)));
}

Napi::Value Triu(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::triu(ArrayArg(info, 0), IntArgOr(info, 1, 0), StreamArg(info, 2)));
}

// pad(a, axes, lowPad, highPad, value: handle, mode, stream?)
Napi::Value Pad(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::pad(ArrayArg(info, 0), IntVectorArg(info, 1), ShapeArg(info, 2), ShapeArg(info, 3),
                                    ArrayArg(info, 4), IsMissing(info, 5) ? "constant" : StringArg(info, 5), StreamArg(info, 6)));
}

// repeat(a, repeats, axis | undefined, stream?)
Napi::Value Repeat(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 2)) return Result(info.Env(), mx::repeat(ArrayArg(info, 0), IntArg(info, 1), StreamArg(info, 3)));
  return Result(info.Env(), mx::repeat(ArrayArg(info, 0), IntArg(info, 1), IntArg(info, 2), StreamArg(info, 3)));
}

Napi::Value Tile(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::tile(ArrayArg(info, 0), IntVectorArg(info, 1), StreamArg(info, 2)));
}

// isclose / allclose(a, b, rtol, atol, equalNan, all, stream?)
Napi::Value Close(const Napi::CallbackInfo& info) {
  const double rtol = NumberArg(info, 2);
  const double atol = NumberArg(info, 3);
  const bool equal_nan = BoolArg(info, 4);
  if (BoolArg(info, 5)) {
    return Result(info.Env(), mx::allclose(ArrayArg(info, 0), ArrayArg(info, 1), rtol, atol, equal_nan, StreamArg(info, 6)));
  }
  return Result(info.Env(), mx::isclose(ArrayArg(info, 0), ArrayArg(info, 1), rtol, atol, equal_nan, StreamArg(info, 6)));
}

Napi::Value Outer(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::outer(ArrayArg(info, 0), ArrayArg(info, 1), StreamArg(info, 2)));
}

// depends(inputs, dependencies): identity on inputs that also waits for dependencies.
Napi::Value Depends(const Napi::CallbackInfo& info) {
  return Results(info.Env(), mx::depends(ArrayVectorArg(info, 0), ArrayVectorArg(info, 1)));
}

}  // namespace

void InitOps(Napi::Env env, Napi::Object exports) {
  exports.Set("unaryOps", Names(env, kUnary));
  exports.Set("binaryOps", Names(env, kBinary));
  exports.Set("reduceOps", Names(env, kReduce));
  Export<Unary>(env, exports, "unary");
  Export<Binary>(env, exports, "binary");
  Export<BinaryScalar>(env, exports, "binaryScalar");
  Export<Reduce>(env, exports, "reduce");
  Export<ArgReduce>(env, exports, "argReduce");
  Export<Matmul>(env, exports, "matmul");
  Export<Addmm>(env, exports, "addmm");
  Export<AsType>(env, exports, "astype");
  Export<Reshape>(env, exports, "reshape");
  Export<Flatten>(env, exports, "flatten");
  Export<Transpose>(env, exports, "transpose");
  Export<Swapaxes>(env, exports, "swapaxes");
  Export<Moveaxis>(env, exports, "moveaxis");
  Export<ExpandDims>(env, exports, "expandDims");
  Export<Squeeze>(env, exports, "squeeze");
  Export<BroadcastTo>(env, exports, "broadcastTo");
  Export<Slice>(env, exports, "slice");
  Export<SliceDynamic>(env, exports, "sliceDynamic");
  Export<SliceUpdate>(env, exports, "sliceUpdate");
  Export<SliceUpdateDynamic>(env, exports, "sliceUpdateDynamic");
  Export<Concatenate>(env, exports, "concatenate");
  Export<Stack>(env, exports, "stack");
  Export<Split>(env, exports, "split");
  Export<Take>(env, exports, "take");
  Export<TakeAlongAxis>(env, exports, "takeAlongAxis");
  Export<PutAlongAxis>(env, exports, "putAlongAxis");
  Export<Where>(env, exports, "where");
  Export<Softmax>(env, exports, "softmax");
  Export<Scan>(env, exports, "scan");
  Export<Sort>(env, exports, "sort");
  Export<Argsort>(env, exports, "argsort");
  Export<Argpartition>(env, exports, "argpartition");
  Export<Partition>(env, exports, "partition");
  Export<Topk>(env, exports, "topk");
  Export<Clip>(env, exports, "clip");
  Export<Full>(env, exports, "full");
  Export<Zeros>(env, exports, "zeros");
  Export<Ones>(env, exports, "ones");
  Export<Arange>(env, exports, "arange");
  Export<Linspace>(env, exports, "linspace");
  Export<Eye>(env, exports, "eye");
  Export<Tri>(env, exports, "tri");
  Export<Tril>(env, exports, "tril");
  Export<Triu>(env, exports, "triu");
  Export<Pad>(env, exports, "pad");
  Export<Repeat>(env, exports, "repeat");
  Export<Tile>(env, exports, "tile");
  Export<Close>(env, exports, "close");
  Export<Outer>(env, exports, "outer");
  Export<Depends>(env, exports, "depends");
}

}  // namespace mlxts
