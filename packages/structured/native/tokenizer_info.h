// A JS handle on xgrammar's TokenizerInfo: the vocabulary a compiler builds masks over.
#pragma once

#include <napi.h>
#include <xgrammar/tokenizer_info.h>

#include <optional>

namespace xgrammar_ts {

class TokenizerInfoHandle : public Napi::ObjectWrap<TokenizerInfoHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  /** new TokenizerInfo(tokens: string[], vocabType: 0 raw | 1 byte_fallback | 2 byte_level, prependSpace, vocabSize, stopTokenIds: number[]) */
  explicit TokenizerInfoHandle(const Napi::CallbackInfo& info);
  /** The info, or a JS Error when disposed. */
  const xgrammar::TokenizerInfo& Get(Napi::Env env) const;

 private:
  Napi::Value Dispose(const Napi::CallbackInfo& info);
  std::optional<xgrammar::TokenizerInfo> value_;
};

}  // namespace xgrammar_ts
