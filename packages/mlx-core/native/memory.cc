// Memory statistics and limits of MLX's allocator.
#if defined(__linux__)
#include <malloc.h>  // defines __GLIBC__ on glibc
#endif
#if !defined(_WIN32)
#include <dlfcn.h>
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
// V8's Isolate::GetCurrent and Isolate::LowMemoryNotification, found in the running binary by
// their mangled names: Node-API has no call that makes V8 give memory back, and the addon builds
// against Node-API's headers only (no v8.h). Both are plain non-virtual functions whose only
// argument is the isolate, stable across V8 versions. Null where the runtime is not V8 (Bun,
// Deno's Node-API) or does not export them.
using GetIsolateFn = void* (*)();
using LowMemoryFn = void (*)(void*);
struct V8Entry {
  GetIsolateFn current = nullptr;
  LowMemoryFn lowMemory = nullptr;
};
const V8Entry& V8Entries() {
  static const V8Entry entries = [] {
    V8Entry e;
#if !defined(_WIN32)
    e.current = reinterpret_cast<GetIsolateFn>(dlsym(RTLD_DEFAULT, "_ZN2v87Isolate10GetCurrentEv"));
    e.lowMemory = reinterpret_cast<LowMemoryFn>(dlsym(RTLD_DEFAULT, "_ZN2v87Isolate21LowMemoryNotificationEv"));
#endif
    if (!e.current || !e.lowMemory) e = V8Entry{};
    return e;
  }();
  return entries;
}

// A full garbage collection that also shrinks the young generation and hands V8's freed pages
// back to the system: V8 keeps the semi-spaces a burst of allocation grew (tens of MB after a
// model load) committed until its memory reducer runs, which needs the process to go idle.
Napi::Value ReduceJsHeap(const Napi::CallbackInfo& info) {
  const V8Entry& v8 = V8Entries();
  if (!v8.current) return Napi::Boolean::New(info.Env(), false);
  void* isolate = v8.current();
  if (isolate == nullptr) return Napi::Boolean::New(info.Env(), false);
  v8.lowMemory(isolate);
  return Napi::Boolean::New(info.Env(), true);
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
  Export<ReduceJsHeap>(env, exports, "reduceJsHeap");
  Export<SetCacheLimit>(env, exports, "setCacheLimit");
  Export<SetMemoryLimit>(env, exports, "setMemoryLimit");
  Export<SetWiredLimit>(env, exports, "setWiredLimit");
}

}  // namespace mlxts
