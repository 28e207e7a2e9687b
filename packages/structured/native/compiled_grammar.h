// A JS handle on a CompiledGrammar: what a matcher is started from. Made only by the compiler.
#pragma once

#include <napi.h>
#include <xgrammar/compiler.h>

#include <optional>

namespace xgrammar_ts {

class CompiledGrammarHandle : public Napi::ObjectWrap<CompiledGrammarHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  /** A new JS object holding `grammar`. */
  static Napi::Object Wrap(Napi::Env env, xgrammar::CompiledGrammar grammar);
  explicit CompiledGrammarHandle(const Napi::CallbackInfo& info);
  /** The grammar, or a JS Error when disposed. */
  const xgrammar::CompiledGrammar& Get(Napi::Env env) const;

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  Napi::Value MemorySizeBytes(const Napi::CallbackInfo& info);
  std::optional<xgrammar::CompiledGrammar> value_;
};

}  // namespace xgrammar_ts
