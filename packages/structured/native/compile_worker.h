// Runs one compile off the JS thread and settles its Promise: resolved with a CompiledGrammar
// handle, or rejected with the engine's message when xgrammar throws (a bad schema or grammar).
#pragma once

#include <napi.h>
#include <xgrammar/compiler.h>

#include <exception>
#include <functional>
#include <optional>
#include <utility>

#include "compiled_grammar.h"
#include "engine_error.h"

namespace xgrammar_ts {

class CompileWorker : public Napi::AsyncWorker {
 public:
  using Compile = std::function<xgrammar::CompiledGrammar()>;

  /** Queues `compile` (which must own copies of everything it reads) and returns its Promise. */
  static Napi::Promise Start(Napi::Env env, Compile compile) {
    auto* worker = new CompileWorker(env, std::move(compile));
    Napi::Promise promise = worker->deferred_.Promise();
    worker->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      result_.emplace(compile_());
    } catch (const std::exception& error) {
      SetError(EngineMessage(error));
    } catch (...) {
      SetError("xgrammar failed with an exception that is not a std::exception");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(CompiledGrammarHandle::Wrap(env, std::move(*result_)));
    } catch (const Napi::Error& error) {
      deferred_.Reject(error.Value());
    }
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  CompileWorker(Napi::Env env, Compile compile) : Napi::AsyncWorker(env, "xgrammar:compile"), deferred_(Napi::Promise::Deferred::New(env)), compile_(std::move(compile)) {}

  Napi::Promise::Deferred deferred_;
  Compile compile_;
  std::optional<xgrammar::CompiledGrammar> result_;
};

}  // namespace xgrammar_ts
