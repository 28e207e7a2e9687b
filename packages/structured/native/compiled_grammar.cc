#include "compiled_grammar.h"

#include <utility>

#include "addon_data.h"

namespace xgrammar_ts {

Napi::Function CompiledGrammarHandle::Define(Napi::Env env) {
  return DefineClass(
      env,
      "CompiledGrammar",
      {InstanceMethod<&CompiledGrammarHandle::Dispose>("dispose"), InstanceMethod<&CompiledGrammarHandle::MemorySizeBytes>("memorySizeBytes")}
  );
}

// JS cannot construct one (it has no grammar to give); Wrap fills value_ right after.
CompiledGrammarHandle::CompiledGrammarHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CompiledGrammarHandle>(info) {}

Napi::Object CompiledGrammarHandle::Wrap(Napi::Env env, xgrammar::CompiledGrammar grammar) {
  Napi::Object object = GetAddonData(env).compiled_grammar.New({});
  Unwrap(object)->value_.emplace(std::move(grammar));
  return object;
}

const xgrammar::CompiledGrammar& CompiledGrammarHandle::Get(Napi::Env env) const {
  if (!value_) throw Napi::Error::New(env, "CompiledGrammar used after dispose");
  return *value_;
}

Napi::Value CompiledGrammarHandle::Dispose(const Napi::CallbackInfo& info) {
  // Matchers started from it keep their own reference; this only drops the handle's.
  value_.reset();
  return info.Env().Undefined();
}

Napi::Value CompiledGrammarHandle::MemorySizeBytes(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Get(info.Env()).MemorySizeBytes()));
}

}  // namespace xgrammar_ts
