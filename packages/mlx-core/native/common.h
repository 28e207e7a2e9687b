// Shared helpers of the addon: the handle table, argument readers and the guard that turns
// C++ exceptions into JS errors.
//
// Arrays never cross into JS as wrapped objects. JS holds a small integer handle into a native
// table; freeing is explicit (dispose / tidy scopes) with a GC finalizer only as a safety net.
// This keeps the per-op host cost below that of a per-array ObjectWrap with a V8 finalizer.
#pragma once

#include <napi.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mlx/mlx.h"

namespace mx = mlx::core;

namespace mlxts {

// A wrong argument type or value detected before MLX runs: becomes a JS TypeError.
struct ArgumentError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// ---- handle table -------------------------------------------------------------------------

uint32_t Put(mx::array a);
mx::array& Get(uint32_t handle);
void Release(Napi::Env env, uint32_t handle);
size_t LiveCount();
void ReportExternal(Napi::Env env);
// When a JS environment ends (a worker thread stops, even by an uncaught error or terminate()),
// the arrays its thread still held are released: a model loaded there must not stay in memory.
void ReleaseArraysOfThisThread();
// Likewise its compiled functions, whose references belong to that environment.
void ReleaseCompiledOf(napi_env env);

// ---- errors ------------------------------------------------------------------------------

// Writes `line` (if any) to stderr and ends the process at once, waiting for no thread: after a
// distributed peer is lost, threads stay blocked on its connection (distributed.cc).
[[noreturn]] void ExitWith(int code, const std::string& line);

void SetErrorConstructor(Napi::Env env, Napi::Function ctor);
// Messages of MLX's communication backends ([ring], [mpi], ...) become this class instead.
void SetDistributedErrorConstructor(Napi::Env env, Napi::Function ctor);
[[noreturn]] void ThrowMlx(Napi::Env env, const std::string& message);
void ThrowMlxAsJs(Napi::Env env, const std::string& message);
Napi::Value MakeMlxError(Napi::Env env, const std::string& message);

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (const ArgumentError& e) {
    Napi::TypeError::New(info.Env(), e.what()).ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    ThrowMlxAsJs(info.Env(), e.what());
  } catch (...) {
    ThrowMlxAsJs(info.Env(), "unknown native error");
  }
  return info.Env().Undefined();
}

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
void Export(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<Guarded<F>>(env, name));
}

// ---- argument readers ----------------------------------------------------------------------

// The numeric readers make one Node-API call: reading a non-number fails with
// napi_number_expected, so no separate typeof check is needed on the hot path.
inline uint32_t HandleArg(const Napi::CallbackInfo& info, size_t i) {
  uint32_t out;
  if (napi_get_value_uint32(info.Env(), info[i], &out) != napi_ok) {
    throw ArgumentError("argument " + std::to_string(i) + ": expected an array handle");
  }
  return out;
}

inline mx::array& ArrayArg(const Napi::CallbackInfo& info, size_t i) {
  return Get(HandleArg(info, i));
}

inline std::optional<mx::array> OptionalArrayArg(const Napi::CallbackInfo& info, size_t i) {
  if (i >= info.Length() || info[i].IsUndefined() || info[i].IsNull()) return std::nullopt;
  return ArrayArg(info, i);
}

inline bool IsMissing(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsUndefined() || info[i].IsNull();
}

inline int IntArg(const Napi::CallbackInfo& info, size_t i) {
  int32_t out;
  if (napi_get_value_int32(info.Env(), info[i], &out) != napi_ok) {
    throw ArgumentError("argument " + std::to_string(i) + ": expected an integer");
  }
  return out;
}

inline int IntArgOr(const Napi::CallbackInfo& info, size_t i, int fallback) {
  return IsMissing(info, i) ? fallback : IntArg(info, i);
}

inline double NumberArg(const Napi::CallbackInfo& info, size_t i) {
  double out;
  if (napi_get_value_double(info.Env(), info[i], &out) != napi_ok) {
    throw ArgumentError("argument " + std::to_string(i) + ": expected a number");
  }
  return out;
}

inline bool BoolArg(const Napi::CallbackInfo& info, size_t i, bool fallback = false) {
  if (IsMissing(info, i)) return fallback;
  return info[i].ToBoolean().Value();
}

inline std::string StringArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw ArgumentError("argument " + std::to_string(i) + ": expected a string");
  return info[i].As<Napi::String>().Utf8Value();
}

std::vector<int> IntVectorArg(const Napi::CallbackInfo& info, size_t i);
std::vector<mx::array> ArrayVectorArg(const Napi::CallbackInfo& info, size_t i);

inline mx::Shape ShapeArg(const Napi::CallbackInfo& info, size_t i) {
  auto v = IntVectorArg(info, i);
  return mx::Shape(v.begin(), v.end());
}

mx::Dtype DtypeFromCode(int code);
int DtypeCode(mx::Dtype dtype);
inline mx::Dtype DtypeArg(const Napi::CallbackInfo& info, size_t i) {
  return DtypeFromCode(IntArg(info, i));
}

// A JS number turned into a scalar that takes the dtype of the array it meets, as Python's
// weakly typed scalars do: float16 + 0.5 stays float16, int32 * 2 stays int32.
mx::array WeakScalar(double value, const mx::array& like);

// Streams cross as [index, deviceType, deviceIndex]; undefined means the default stream.
mx::StreamOrDevice StreamArg(const Napi::CallbackInfo& info, size_t i);

// ---- results -------------------------------------------------------------------------------

inline Napi::Value Result(Napi::Env env, mx::array a) {
  const uint32_t handle = Put(std::move(a));
  ReportExternal(env);
  return Napi::Number::New(env, handle);
}

Napi::Value Results(Napi::Env env, std::vector<mx::array> arrays);

// ---- domain initializers -------------------------------------------------------------------

void InitArray(Napi::Env env, Napi::Object exports);
void InitOps(Napi::Env env, Napi::Object exports);
void InitFast(Napi::Env env, Napi::Object exports);
void InitQuantized(Napi::Env env, Napi::Object exports);
void InitRandom(Napi::Env env, Napi::Object exports);
void InitIo(Napi::Env env, Napi::Object exports);
void InitMemory(Napi::Env env, Napi::Object exports);
void InitDevice(Napi::Env env, Napi::Object exports);
void InitTransforms(Napi::Env env, Napi::Object exports);
void InitDistributed(Napi::Env env, Napi::Object exports);

}  // namespace mlxts
