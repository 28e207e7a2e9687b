#include "grammar_compiler.h"

#include <optional>
#include <string>
#include <utility>

#include "compile_worker.h"
#include "engine_error.h"
#include "tokenizer_info.h"

namespace xgrammar_ts {

namespace {

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

bool BoolArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsBoolean()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a boolean");
  return info[index].As<Napi::Boolean>().Value();
}

}  // namespace

Napi::Function GrammarCompilerHandle::Define(Napi::Env env) {
  return DefineClass(
      env,
      "GrammarCompiler",
      {InstanceMethod<&GrammarCompilerHandle::CompileJSONSchema>("compileJSONSchema"),
       InstanceMethod<&GrammarCompilerHandle::CompileBuiltinJSONGrammar>("compileBuiltinJSONGrammar"),
       InstanceMethod<&GrammarCompilerHandle::CompileGrammar>("compileGrammar"),
       InstanceMethod<&GrammarCompilerHandle::CompileStructuralTag>("compileStructuralTag"),
       InstanceMethod<&GrammarCompilerHandle::Dispose>("dispose")}
  );
}

GrammarCompilerHandle::GrammarCompilerHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GrammarCompilerHandle>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsObject() || !info[1].IsNumber() || !info[2].IsBoolean()) {
    throw Napi::TypeError::New(env, "GrammarCompiler(info: TokenizerInfo, maxThreads: number, cacheEnabled: boolean)");
  }
  const xgrammar::TokenizerInfo& tokenizer = TokenizerInfoHandle::Unwrap(info[0].As<Napi::Object>())->Get(env);
  int max_threads = info[1].As<Napi::Number>().Int32Value();
  bool cache_enabled = info[2].As<Napi::Boolean>().Value();
  Guarded(env, [&] { value_.emplace(tokenizer, max_threads, cache_enabled); });
}

const xgrammar::GrammarCompiler& GrammarCompilerHandle::Get(Napi::Env env) const {
  if (!value_) throw Napi::Error::New(env, "GrammarCompiler used after dispose");
  return *value_;
}

// Each worker gets its own copy of the compiler (a shared reference to the same engine), so a
// dispose while a compile runs does not free what that compile uses.

Napi::Value GrammarCompilerHandle::CompileJSONSchema(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string schema = StringArg(info, 0, "schema");
  bool any_whitespace = BoolArg(info, 1, "anyWhitespace");
  std::optional<int> indent;
  if (info.Length() > 2 && info[2].IsNumber()) indent = info[2].As<Napi::Number>().Int32Value();
  std::optional<std::pair<std::string, std::string>> separators;
  if (info.Length() > 3 && info[3].IsArray()) {
    auto pair = info[3].As<Napi::Array>();
    if (pair.Length() != 2 || !pair.Get(0u).IsString() || !pair.Get(1u).IsString()) throw Napi::TypeError::New(env, "separators must be [itemSeparator, keySeparator]");
    separators.emplace(pair.Get(0u).As<Napi::String>().Utf8Value(), pair.Get(1u).As<Napi::String>().Utf8Value());
  }
  bool strict = BoolArg(info, 4, "strict");
  xgrammar::GrammarCompiler compiler = Get(env);
  return CompileWorker::Start(env, [compiler, schema, any_whitespace, indent, separators, strict]() mutable {
    return compiler.CompileJSONSchema(schema, any_whitespace, indent, separators, strict);
  });
}

Napi::Value GrammarCompilerHandle::CompileBuiltinJSONGrammar(const Napi::CallbackInfo& info) {
  xgrammar::GrammarCompiler compiler = Get(info.Env());
  return CompileWorker::Start(info.Env(), [compiler]() mutable { return compiler.CompileBuiltinJSONGrammar(); });
}

Napi::Value GrammarCompilerHandle::CompileGrammar(const Napi::CallbackInfo& info) {
  std::string ebnf = StringArg(info, 0, "grammar");
  std::string root = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "root";
  xgrammar::GrammarCompiler compiler = Get(info.Env());
  return CompileWorker::Start(info.Env(), [compiler, ebnf, root]() mutable { return compiler.CompileGrammar(ebnf, root); });
}

Napi::Value GrammarCompilerHandle::CompileStructuralTag(const Napi::CallbackInfo& info) {
  std::string json = StringArg(info, 0, "structural tag");
  xgrammar::GrammarCompiler compiler = Get(info.Env());
  return CompileWorker::Start(info.Env(), [compiler, json]() mutable { return compiler.CompileStructuralTag(json); });
}

Napi::Value GrammarCompilerHandle::Dispose(const Napi::CallbackInfo& info) {
  value_.reset();
  return info.Env().Undefined();
}

}  // namespace xgrammar_ts
