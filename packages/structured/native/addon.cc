// The grammar engine's native addon: xgrammar's C++ (compiler, matcher, tokenizer info) behind
// four Node-API classes. The typed surface is src/native-engine.ts.
#include <napi.h>
#include <xgrammar/matcher.h>

#include "addon_data.h"
#include "compiled_grammar.h"
#include "grammar_compiler.h"
#include "grammar_matcher.h"
#include "tokenizer_info.h"

namespace xgrammar_ts {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function compiled = CompiledGrammarHandle::Define(env);
  data->compiled_grammar = Napi::Persistent(compiled);
  env.SetInstanceData(data);
  exports.Set("TokenizerInfo", TokenizerInfoHandle::Define(env));
  exports.Set("GrammarCompiler", GrammarCompilerHandle::Define(env));
  exports.Set("CompiledGrammar", compiled);
  exports.Set("GrammarMatcher", GrammarMatcherHandle::Define(env));
  exports.Set("version", Napi::String::New(env, XGRAMMAR_TS_VERSION));
  exports.Set("bitmaskSize", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), xgrammar::GetBitmaskSize(info[0].As<Napi::Number>().Int32Value()));
  }));
  return exports;
}

}  // namespace xgrammar_ts

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return xgrammar_ts::Init(env, exports); }

NODE_API_MODULE(xgrammar_ts, InitAddon)
