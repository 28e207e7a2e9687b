#include "tokenizer_info.h"

#include <string>
#include <vector>

#include "engine_error.h"

namespace xgrammar_ts {

Napi::Function TokenizerInfoHandle::Define(Napi::Env env) {
  return DefineClass(env, "TokenizerInfo", {InstanceMethod<&TokenizerInfoHandle::Dispose>("dispose")});
}

TokenizerInfoHandle::TokenizerInfoHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenizerInfoHandle>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !info[0].IsArray() || !info[1].IsNumber() || !info[2].IsBoolean() || !info[3].IsNumber() || !info[4].IsArray()) {
    throw Napi::TypeError::New(env, "TokenizerInfo(tokens: string[], vocabType: number, prependSpace: boolean, vocabSize: number, stopTokenIds: number[])");
  }
  auto tokens = info[0].As<Napi::Array>();
  std::vector<std::string> vocabulary(tokens.Length());
  for (uint32_t i = 0; i < tokens.Length(); i++) {
    Napi::Value token = tokens.Get(i);
    if (!token.IsString()) throw Napi::TypeError::New(env, "TokenizerInfo: token " + std::to_string(i) + " is not a string");
    // UTF-8, as the WebAssembly build and the Python package pass token strings to the engine.
    vocabulary[i] = token.As<Napi::String>().Utf8Value();
  }
  int type = info[1].As<Napi::Number>().Int32Value();
  if (type < 0 || type > 2) throw Napi::RangeError::New(env, "TokenizerInfo: vocabType must be 0 (raw), 1 (byte_fallback) or 2 (byte_level)");
  auto stops = info[4].As<Napi::Array>();
  std::vector<int32_t> stop_ids(stops.Length());
  for (uint32_t i = 0; i < stops.Length(); i++) stop_ids[i] = stops.Get(i).As<Napi::Number>().Int32Value();
  bool prepend_space = info[2].As<Napi::Boolean>().Value();
  int vocab_size = info[3].As<Napi::Number>().Int32Value();
  Guarded(env, [&] {
    value_.emplace(vocabulary, static_cast<xgrammar::VocabType>(type), vocab_size, stop_ids, prepend_space);
  });
}

const xgrammar::TokenizerInfo& TokenizerInfoHandle::Get(Napi::Env env) const {
  if (!value_) throw Napi::Error::New(env, "TokenizerInfo used after dispose");
  return *value_;
}

Napi::Value TokenizerInfoHandle::Dispose(const Napi::CallbackInfo& info) {
  value_.reset();
  return info.Env().Undefined();
}

}  // namespace xgrammar_ts
