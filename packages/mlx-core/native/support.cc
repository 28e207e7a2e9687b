// Argument conversion, dtype codes and error construction shared by every domain file.
#include <cmath>

#include "common.h"

namespace mlxts {
namespace {

// The error classes of one JS environment (the main thread, each worker thread): a reference
// belongs to the environment that made it, and dies with it. A process-wide reference set by one
// worker thread would outlive that thread, and touching it then (a later thread setting its own
// class, the process exiting) frees memory twice.
struct EnvErrors {
  Napi::FunctionReference error;
  Napi::FunctionReference distributed;
};

EnvErrors& ErrorsOf(Napi::Env env) {
  auto* errors = env.GetInstanceData<EnvErrors>();
  if (errors == nullptr) {
    errors = new EnvErrors();
    // Deleted, with its references, when the environment is torn down.
    env.SetInstanceData(errors);
  }
  return *errors;
}

// MLX prefixes the errors of its communication backends with the backend's name.
bool IsDistributedMessage(const std::string& message) {
  for (const char* prefix : {"[ring]", "[mpi]", "[nccl]", "[jaccl]", "[distributed]"}) {
    if (message.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// Codes follow mx::Dtype::Val's order; the TS side keeps the same table (src/dtype.ts).
const mx::Dtype kDtypes[] = {mx::bool_,   mx::uint8,   mx::uint16,  mx::uint32,  mx::uint64,
                             mx::int8,    mx::int16,   mx::int32,   mx::int64,   mx::float16,
                             mx::float32, mx::float64, mx::bfloat16, mx::complex64};

}  // namespace

void SetErrorConstructor(Napi::Env env, Napi::Function ctor) {
  ErrorsOf(env).error = Napi::Persistent(ctor);
}

void SetDistributedErrorConstructor(Napi::Env env, Napi::Function ctor) {
  ErrorsOf(env).distributed = Napi::Persistent(ctor);
}

Napi::Value MakeMlxError(Napi::Env env, const std::string& message) {
  auto* errors = env.GetInstanceData<EnvErrors>();
  if (errors != nullptr && !errors->distributed.IsEmpty() && IsDistributedMessage(message)) {
    return errors->distributed.New({Napi::String::New(env, message)});
  }
  if (errors != nullptr && !errors->error.IsEmpty()) {
    return errors->error.New({Napi::String::New(env, message)});
  }
  return Napi::Error::New(env, message).Value();
}

void ThrowMlxAsJs(Napi::Env env, const std::string& message) {
  Napi::Value error = MakeMlxError(env, message);
  napi_throw(env, error);
}

void ThrowMlx(Napi::Env env, const std::string& message) {
  throw Napi::Error(env, MakeMlxError(env, message));
}

std::vector<int> IntVectorArg(const Napi::CallbackInfo& info, size_t i) {
  const Napi::Value v = info[i];
  std::vector<int> out;
  if (v.IsTypedArray()) {
    auto typed = v.As<Napi::TypedArray>();
    if (typed.TypedArrayType() != napi_int32_array) {
      throw ArgumentError("argument " + std::to_string(i) + ": expected an Int32Array or a number[]");
    }
    auto ints = v.As<Napi::Int32Array>();
    out.assign(ints.Data(), ints.Data() + ints.ElementLength());
    return out;
  }
  if (!v.IsArray()) throw ArgumentError("argument " + std::to_string(i) + ": expected a list of integers");
  auto list = v.As<Napi::Array>();
  const uint32_t n = list.Length();
  out.reserve(n);
  for (uint32_t k = 0; k < n; ++k) {
    Napi::Value item = list.Get(k);
    if (!item.IsNumber()) throw ArgumentError("argument " + std::to_string(i) + ": expected a list of integers");
    const double d = item.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || d != std::floor(d) || d > 2147483647.0 || d < -2147483648.0) {
      throw ArgumentError("argument " + std::to_string(i) + ": " + std::to_string(d) + " is not a 32-bit integer");
    }
    out.push_back(static_cast<int>(d));
  }
  return out;
}

std::vector<mx::array> ArrayVectorArg(const Napi::CallbackInfo& info, size_t i) {
  const Napi::Value v = info[i];
  std::vector<mx::array> out;
  if (v.IsTypedArray()) {
    auto handles = v.As<Napi::Uint32Array>();
    out.reserve(handles.ElementLength());
    for (size_t k = 0; k < handles.ElementLength(); ++k) out.push_back(Get(handles[k]));
    return out;
  }
  if (!v.IsArray()) throw ArgumentError("argument " + std::to_string(i) + ": expected a list of arrays");
  auto list = v.As<Napi::Array>();
  out.reserve(list.Length());
  for (uint32_t k = 0; k < list.Length(); ++k) {
    Napi::Value item = list.Get(k);
    if (!item.IsNumber()) throw ArgumentError("argument " + std::to_string(i) + ": expected a list of arrays");
    out.push_back(Get(item.As<Napi::Number>().Uint32Value()));
  }
  return out;
}

mx::Dtype DtypeFromCode(int code) {
  if (code < 0 || code >= static_cast<int>(std::size(kDtypes))) {
    throw ArgumentError("unknown dtype code " + std::to_string(code));
  }
  return kDtypes[code];
}

int DtypeCode(mx::Dtype dtype) { return static_cast<int>(dtype.val()); }

mx::array WeakScalar(double value, const mx::array& like) {
  const mx::Dtype dt = like.dtype();
  if (mx::issubdtype(dt, mx::floating) || dt == mx::complex64) return mx::array(value, dt);
  const bool integral = std::floor(value) == value && std::isfinite(value);
  if (!integral) return mx::array(static_cast<float>(value), mx::float32);
  if (dt == mx::bool_) return mx::array(static_cast<int>(value), mx::int32);
  return mx::array(value, dt);
}

mx::StreamOrDevice StreamArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsMissing(info, i)) return {};
  auto ints = IntVectorArg(info, i);
  if (ints.size() != 3) throw ArgumentError("a stream is [index, deviceType, deviceIndex]");
  const auto type = ints[1] == 1 ? mx::Device::DeviceType::gpu : mx::Device::DeviceType::cpu;
  return mx::Stream(ints[0], mx::Device(type, ints[2]));
}

Napi::Value Results(Napi::Env env, std::vector<mx::array> arrays) {
  auto out = Napi::Uint32Array::New(env, arrays.size());
  for (size_t k = 0; k < arrays.size(); ++k) out[k] = Put(std::move(arrays[k]));
  ReportExternal(env);
  return out;
}

}  // namespace mlxts
