// A JS handle on a GrammarCompiler. Each compile runs on a libuv worker thread and resolves a
// Promise, since compiling a schema takes from milliseconds to seconds and the event loop (other
// requests' decode steps) must not wait for it.
#pragma once

#include <napi.h>
#include <xgrammar/compiler.h>

#include <optional>

namespace xgrammar_ts {

class GrammarCompilerHandle : public Napi::ObjectWrap<GrammarCompilerHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  /** new GrammarCompiler(info: TokenizerInfo, maxThreads: number, cacheEnabled: boolean) */
  explicit GrammarCompilerHandle(const Napi::CallbackInfo& info);

 private:
  /** compileJSONSchema(schema, anyWhitespace, indent | undefined, separators: [item, key] | undefined, strict) */
  Napi::Value CompileJSONSchema(const Napi::CallbackInfo& info);
  Napi::Value CompileBuiltinJSONGrammar(const Napi::CallbackInfo& info);
  /** compileGrammar(ebnf, rootRule) */
  Napi::Value CompileGrammar(const Napi::CallbackInfo& info);
  /** compileStructuralTag(json): `{"type": "structural_tag", "format": ...}` as a string */
  Napi::Value CompileStructuralTag(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  const xgrammar::GrammarCompiler& Get(Napi::Env env) const;

  std::optional<xgrammar::GrammarCompiler> value_;
};

}  // namespace xgrammar_ts
