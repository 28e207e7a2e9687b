// mx.random: keys, splitting, and the distributions an LLM sampler needs.
#include "common.h"

namespace mlxts {
namespace {

uint64_t SeedArg(const Napi::CallbackInfo& info, size_t i) {
  const double d = NumberArg(info, i);
  if (d < 0 || d != static_cast<double>(static_cast<uint64_t>(d))) throw ArgumentError("a seed is a non-negative integer");
  return static_cast<uint64_t>(d);
}

Napi::Value Seed(const Napi::CallbackInfo& info) {
  mx::random::seed(SeedArg(info, 0));
  return info.Env().Undefined();
}

Napi::Value Key(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::random::key(SeedArg(info, 0)));
}

// split(key, num, stream?)
Napi::Value Split(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::random::split(ArrayArg(info, 0), IntArgOr(info, 1, 2), StreamArg(info, 2)));
}

// uniform(low: handle, high: handle, shape, dtype, key | undefined, stream?)
Napi::Value Uniform(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::random::uniform(ArrayArg(info, 0), ArrayArg(info, 1), ShapeArg(info, 2), DtypeArg(info, 3),
                                                OptionalArrayArg(info, 4), StreamArg(info, 5)));
}

// normal(shape, dtype, loc, scale, key | undefined, stream?)
Napi::Value Normal(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::random::normal(ShapeArg(info, 0), DtypeArg(info, 1), static_cast<float>(NumberArg(info, 2)),
                                               static_cast<float>(NumberArg(info, 3)), OptionalArrayArg(info, 4), StreamArg(info, 5)));
}

// randint(low, high, shape, dtype, key | undefined, stream?)
Napi::Value Randint(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::random::randint(mx::array(IntArg(info, 0)), mx::array(IntArg(info, 1)), ShapeArg(info, 2), DtypeArg(info, 3),
                                                OptionalArrayArg(info, 4), StreamArg(info, 5)));
}

// gumbel(shape, dtype, key | undefined, stream?)
Napi::Value Gumbel(const Napi::CallbackInfo& info) {
  return Result(info.Env(), mx::random::gumbel(ShapeArg(info, 0), DtypeArg(info, 1), OptionalArrayArg(info, 2), StreamArg(info, 3)));
}

// bernoulli(p: handle, shape | undefined, key | undefined, stream?)
Napi::Value Bernoulli(const Napi::CallbackInfo& info) {
  const mx::array& p = ArrayArg(info, 0);
  if (IsMissing(info, 1)) return Result(info.Env(), mx::random::bernoulli(p, OptionalArrayArg(info, 2), StreamArg(info, 3)));
  return Result(info.Env(), mx::random::bernoulli(p, ShapeArg(info, 1), OptionalArrayArg(info, 2), StreamArg(info, 3)));
}

// categorical(logits, axis, numSamples | undefined, key | undefined, stream?)
Napi::Value Categorical(const Napi::CallbackInfo& info) {
  const mx::array& logits = ArrayArg(info, 0);
  const int axis = IntArgOr(info, 1, -1);
  if (IsMissing(info, 2)) {
    return Result(info.Env(), mx::random::categorical(logits, axis, OptionalArrayArg(info, 3), StreamArg(info, 4)));
  }
  return Result(info.Env(), mx::random::categorical(logits, axis, IntArg(info, 2), OptionalArrayArg(info, 3), StreamArg(info, 4)));
}

}  // namespace

void InitRandom(Napi::Env env, Napi::Object exports) {
  Export<Seed>(env, exports, "randomSeed");
  Export<Key>(env, exports, "randomKey");
  Export<Split>(env, exports, "randomSplit");
  Export<Uniform>(env, exports, "randomUniform");
  Export<Normal>(env, exports, "randomNormal");
  Export<Randint>(env, exports, "randomRandint");
  Export<Gumbel>(env, exports, "randomGumbel");
  Export<Bernoulli>(env, exports, "randomBernoulli");
  Export<Categorical>(env, exports, "randomCategorical");
}

}  // namespace mlxts
