// Memory statistics and limits of MLX's allocator.
#if defined(__linux__)
#include <malloc.h>  // defines __GLIBC__ on glibc
#endif
#include "common.h"

namespace mlxts {
namespace {

size_t BytesArg(const Napi::CallbackInfo& info, size_t i) {
  const double d = NumberArg(info, i);
  if (!(d >= 0) || d > 9.0e15) throw ArgumentError("a byte count is a non-negative integer");
  return static_cast<size_t>(d);
}

Napi::Value Num(Napi::Env env, size_t v) { return Napi::Number::New(env, static_cast<double>(v)); }

Napi::Value Active(const Napi::CallbackInfo& info) { return Num(info.Env(), mx::get_active_memory()); }
Napi::Value Peak(const Napi::CallbackInfo& info) { return Num(info.Env(), mx::get_peak_memory()); }
Napi::Value Cache(const Napi::CallbackInfo& info) { return Num(info.Env(), mx::get_cache_memory()); }
Napi::Value MemoryLimit(const Napi::CallbackInfo& info) { return Num(info.Env(), mx::get_memory_limit()); }
Napi::Value ResetPeak(const Napi::CallbackInfo& info) {
  mx::reset_peak_memory();
  return info.Env().Undefined();
}
Napi::Value ClearCache(const Napi::CallbackInfo& info) {
  mx::clear_cache();
#if defined(__GLIBC__)
  // MLX's CPU buffers come from malloc: once freed, glibc keeps the pages of its heaps mapped
  // (loading a model frees hundreds of MB of staging buffers there); hand them back too.
  malloc_trim(0);
#endif
  return info.Env().Undefined();
}
Napi::Value SetCacheLimit(const Napi::CallbackInfo& info) { return Num(info.Env(), mx::set_cache_limit(BytesArg(info, 0))); }
Napi::Value SetMemoryLimit(const Napi::CallbackInfo& info) { return Num(info.Env(), mx::set_memory_limit(BytesArg(info, 0))); }
Napi::Value SetWiredLimit(const Napi::CallbackInfo& info) { return Num(info.Env(), mx::set_wired_limit(BytesArg(info, 0))); }

}  // namespace

void InitMemory(Napi::Env env, Napi::Object exports) {
  Export<Active>(env, exports, "getActiveMemory");
  Export<Peak>(env, exports, "getPeakMemory");
  Export<Cache>(env, exports, "getCacheMemory");
  Export<MemoryLimit>(env, exports, "getMemoryLimit");
  Export<ResetPeak>(env, exports, "resetPeakMemory");
  Export<ClearCache>(env, exports, "clearCache");
  Export<SetCacheLimit>(env, exports, "setCacheLimit");
  Export<SetMemoryLimit>(env, exports, "setMemoryLimit");
  Export<SetWiredLimit>(env, exports, "setWiredLimit");
}

}  // namespace mlxts
