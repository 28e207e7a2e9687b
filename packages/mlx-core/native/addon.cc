// Entry point: one Init per MLX domain.
#include "common.h"

namespace mlxts {
namespace {

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw ArgumentError("setErrorClass expects a constructor");
  SetErrorConstructor(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value SetDistributedErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw ArgumentError("setDistributedErrorClass expects a constructor");
  SetDistributedErrorConstructor(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), mx::version());
}

}  // namespace
}  // namespace mlxts

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  using namespace mlxts;
  Export<SetErrorClass>(env, exports, "setErrorClass");
  Export<SetDistributedErrorClass>(env, exports, "setDistributedErrorClass");
  Export<Version>(env, exports, "version");
  InitArray(env, exports);
  InitOps(env, exports);
  InitFast(env, exports);
  InitQuantized(env, exports);
  InitRandom(env, exports);
  InitIo(env, exports);
  InitMemory(env, exports);
  InitDevice(env, exports);
  InitTransforms(env, exports);
  InitDistributed(env, exports);
  // Runs on the environment's own thread as it ends (a worker thread's end, the process's exit).
  napi_add_env_cleanup_hook(
      env,
      [](void* arg) {
        ReleaseCompiledOf(static_cast<napi_env>(arg));
        ReleaseArraysOfThisThread();
      },
      static_cast<napi_env>(env));
  return exports;
}

NODE_API_MODULE(mlx_ts, InitAddon)
