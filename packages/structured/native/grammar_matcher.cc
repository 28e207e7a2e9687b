#include "grammar_matcher.h"

#include <dlpack/dlpack.h>

#include <cstdint>

#include "compiled_grammar.h"
#include "engine_error.h"

namespace xgrammar_ts {

Napi::Function GrammarMatcherHandle::Define(Napi::Env env) {
  return DefineClass(
      env,
      "GrammarMatcher",
      {InstanceMethod<&GrammarMatcherHandle::AcceptToken>("acceptToken"),
       InstanceMethod<&GrammarMatcherHandle::FillNextTokenBitmask>("fillNextTokenBitmask"),
       InstanceMethod<&GrammarMatcherHandle::IsTerminated>("isTerminated"),
       InstanceMethod<&GrammarMatcherHandle::Rollback>("rollback"),
       InstanceMethod<&GrammarMatcherHandle::Reset>("reset"),
       InstanceMethod<&GrammarMatcherHandle::Dispose>("dispose")}
  );
}

GrammarMatcherHandle::GrammarMatcherHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GrammarMatcherHandle>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "GrammarMatcher(grammar: CompiledGrammar)");
  const xgrammar::CompiledGrammar& grammar = CompiledGrammarHandle::Unwrap(info[0].As<Napi::Object>())->Get(env);
  Guarded(env, [&] { value_.emplace(grammar); });
}

xgrammar::GrammarMatcher& GrammarMatcherHandle::Get(Napi::Env env) {
  if (!value_) throw Napi::Error::New(env, "GrammarMatcher used after dispose");
  return *value_;
}

Napi::Value GrammarMatcherHandle::AcceptToken(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw Napi::TypeError::New(env, "acceptToken(id: number)");
  int32_t token = info[0].As<Napi::Number>().Int32Value();
  xgrammar::GrammarMatcher& matcher = Get(env);
  return Napi::Boolean::New(env, Guarded(env, [&] { return matcher.AcceptToken(token); }));
}

Napi::Value GrammarMatcherHandle::FillNextTokenBitmask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "fillNextTokenBitmask(out: Int32Array)");
  }
  auto out = info[0].As<Napi::Int32Array>();
  xgrammar::GrammarMatcher& matcher = Get(env);
  // A 1-D int32 CPU tensor over the caller's buffer; xgrammar checks its length against the vocabulary.
  int64_t shape[1] = {static_cast<int64_t>(out.ElementLength())};
  DLTensor tensor{};
  tensor.data = out.Data();
  tensor.device = DLDevice{kDLCPU, 0};
  tensor.ndim = 1;
  tensor.dtype = DLDataType{kDLInt, 32, 1};
  tensor.shape = shape;
  tensor.strides = nullptr;
  tensor.byte_offset = 0;
  return Napi::Boolean::New(env, Guarded(env, [&] { return matcher.FillNextTokenBitmask(&tensor); }));
}

Napi::Value GrammarMatcherHandle::IsTerminated(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  xgrammar::GrammarMatcher& matcher = Get(env);
  return Napi::Boolean::New(env, Guarded(env, [&] { return matcher.IsTerminated(); }));
}

Napi::Value GrammarMatcherHandle::Rollback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int tokens = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  xgrammar::GrammarMatcher& matcher = Get(env);
  Guarded(env, [&] { matcher.Rollback(tokens); });
  return env.Undefined();
}

Napi::Value GrammarMatcherHandle::Reset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  xgrammar::GrammarMatcher& matcher = Get(env);
  Guarded(env, [&] { matcher.Reset(); });
  return env.Undefined();
}

Napi::Value GrammarMatcherHandle::Dispose(const Napi::CallbackInfo& info) {
  value_.reset();
  return info.Env().Undefined();
}

}  // namespace xgrammar_ts
