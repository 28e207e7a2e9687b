// mx.compile over JS functions. The JS function is traced by MLX: it receives handles of tracer
// arrays and returns handles of its outputs, which this file takes ownership of.
#include <memory>
#include <unordered_map>

#include "mlx/compile_impl.h"
#include "common.h"

namespace mlxts {
namespace {

struct CompiledFunction {
  Napi::Env env;
  Napi::FunctionReference js;
  std::function<std::vector<mx::array>(const std::vector<mx::array>&)> run;
};

std::unordered_map<uint32_t, std::unique_ptr<CompiledFunction>> compiled;
uint32_t next_compiled_id = 1;

std::vector<mx::array> CallTraced(CompiledFunction* self, const std::vector<mx::array>& inputs) {
  Napi::Env env = self->env;
  auto in = Napi::Uint32Array::New(env, inputs.size());
  std::vector<uint32_t> owned;
  for (size_t k = 0; k < inputs.size(); ++k) {
    in[k] = Put(inputs[k]);
    owned.push_back(in[k]);
  }
  auto release_all = [&]() {
    for (uint32_t h : owned) Release(env, h);
  };
  Napi::Value result;
  try {
    result = self->js.Call({in});
  } catch (...) {
    release_all();
    throw;
  }
  std::vector<mx::array> outputs;
  try {
    if (result.IsNumber()) {
      const uint32_t h = result.As<Napi::Number>().Uint32Value();
      outputs.push_back(Get(h));
      owned.push_back(h);
    } else if (result.IsTypedArray()) {
      auto hs = result.As<Napi::Uint32Array>();
      for (size_t k = 0; k < hs.ElementLength(); ++k) {
        outputs.push_back(Get(hs[k]));
        owned.push_back(hs[k]);
      }
    } else {
      throw ArgumentError("a compiled function must return an array or a list of arrays");
    }
  } catch (...) {
    release_all();
    throw;
  }
  release_all();
  return outputs;
}

// compile(fn, shapeless) -> id
Napi::Value Compile(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw ArgumentError("compile expects a function");
  auto holder = std::make_unique<CompiledFunction>(CompiledFunction{info.Env(), Napi::Persistent(info[0].As<Napi::Function>()), {}});
  CompiledFunction* raw = holder.get();
  raw->run = mx::detail::compile([raw](const std::vector<mx::array>& inputs) { return CallTraced(raw, inputs); },
                                 reinterpret_cast<std::uintptr_t>(raw), BoolArg(info, 1));
  const uint32_t id = next_compiled_id++;
  compiled.emplace(id, std::move(holder));
  return Napi::Number::New(info.Env(), id);
}

CompiledFunction& Lookup(uint32_t id) {
  auto it = compiled.find(id);
  if (it == compiled.end()) throw ArgumentError("this compiled function was disposed");
  return *it->second;
}

// callCompiled(id, inputs) -> Uint32Array of output handles
Napi::Value CallCompiled(const Napi::CallbackInfo& info) {
  CompiledFunction& fn = Lookup(HandleArg(info, 0));
  return Results(info.Env(), fn.run(ArrayVectorArg(info, 1)));
}

Napi::Value ReleaseCompiled(const Napi::CallbackInfo& info) {
  auto it = compiled.find(HandleArg(info, 0));
  if (it != compiled.end()) {
    mx::detail::compile_erase(mx::detail::compile_cache(), reinterpret_cast<std::uintptr_t>(it->second.get()));
    compiled.erase(it);
  }
  return info.Env().Undefined();
}

Napi::Value DisableCompile(const Napi::CallbackInfo& info) {
  if (BoolArg(info, 0)) {
    mx::disable_compile();
  } else {
    mx::enable_compile();
  }
  return info.Env().Undefined();
}

}  // namespace

void ReleaseCompiledOf(napi_env env) {
  for (auto it = compiled.begin(); it != compiled.end();) {
    if (static_cast<napi_env>(it->second->env) == env) {
      mx::detail::compile_erase(mx::detail::compile_cache(), reinterpret_cast<std::uintptr_t>(it->second.get()));
      it = compiled.erase(it);
    } else {
      ++it;
    }
  }
}

void InitTransforms(Napi::Env env, Napi::Object exports) {
  Export<Compile>(env, exports, "compile");
  Export<CallCompiled>(env, exports, "callCompiled");
  Export<ReleaseCompiled>(env, exports, "releaseCompiled");
  Export<DisableCompile>(env, exports, "setCompileDisabled");
}

}  // namespace mlxts
