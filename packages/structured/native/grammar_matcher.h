// A JS handle on a GrammarMatcher: one request's position in its grammar. Called once or twice
// per decode step, so the mask is written straight into the caller's Int32Array (no copy).
#pragma once

#include <napi.h>
#include <xgrammar/matcher.h>

#include <optional>

namespace xgrammar_ts {

class GrammarMatcherHandle : public Napi::ObjectWrap<GrammarMatcherHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  /** new GrammarMatcher(grammar: CompiledGrammar) */
  explicit GrammarMatcherHandle(const Napi::CallbackInfo& info);

 private:
  /** acceptToken(id): false when the grammar refuses it. */
  Napi::Value AcceptToken(const Napi::CallbackInfo& info);
  /** fillNextTokenBitmask(out: Int32Array of ceil(vocabSize / 32)): false when every token is allowed. */
  Napi::Value FillNextTokenBitmask(const Napi::CallbackInfo& info);
  Napi::Value IsTerminated(const Napi::CallbackInfo& info);
  /** rollback(tokens) */
  Napi::Value Rollback(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  xgrammar::GrammarMatcher& Get(Napi::Env env);

  std::optional<xgrammar::GrammarMatcher> value_;
};

}  // namespace xgrammar_ts
