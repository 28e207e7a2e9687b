// Arrays: creation from host memory, metadata, read-back, evaluation and release.
#include <cstring>

#include "common.h"

namespace mlxts {
namespace {

template <typename T>
mx::array FromRaw(const void* data, const mx::Shape& shape, mx::Dtype dtype) {
  return mx::array(static_cast<const T*>(data), shape, dtype);
}

mx::array FromBytes(const void* data, const mx::Shape& shape, mx::Dtype dtype) {
  switch (dtype.val()) {
    case mx::Dtype::Val::bool_: return FromRaw<bool>(data, shape, dtype);
    case mx::Dtype::Val::uint8: return FromRaw<uint8_t>(data, shape, dtype);
    case mx::Dtype::Val::uint16: return FromRaw<uint16_t>(data, shape, dtype);
    case mx::Dtype::Val::uint32: return FromRaw<uint32_t>(data, shape, dtype);
    case mx::Dtype::Val::uint64: return FromRaw<uint64_t>(data, shape, dtype);
    case mx::Dtype::Val::int8: return FromRaw<int8_t>(data, shape, dtype);
    case mx::Dtype::Val::int16: return FromRaw<int16_t>(data, shape, dtype);
    case mx::Dtype::Val::int32: return FromRaw<int32_t>(data, shape, dtype);
    case mx::Dtype::Val::int64: return FromRaw<int64_t>(data, shape, dtype);
    case mx::Dtype::Val::float16: return FromRaw<mx::float16_t>(data, shape, dtype);
    case mx::Dtype::Val::float32: return FromRaw<float>(data, shape, dtype);
    case mx::Dtype::Val::float64: return FromRaw<double>(data, shape, dtype);
    case mx::Dtype::Val::bfloat16: return FromRaw<mx::bfloat16_t>(data, shape, dtype);
    case mx::Dtype::Val::complex64: return FromRaw<mx::complex64_t>(data, shape, dtype);
  }
  throw ArgumentError("unsupported dtype");
}

// fromBytes(view: ArrayBufferView, shape: Int32Array | number[], dtype: code)
Napi::Value FromBytesJs(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() && !info[0].IsDataView()) {
    throw ArgumentError("expected a typed array with the array's data");
  }
  const void* data;
  size_t byte_length;
  if (info[0].IsTypedArray()) {
    auto view = info[0].As<Napi::TypedArray>();
    data = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
    byte_length = view.ByteLength();
  } else {
    auto view = info[0].As<Napi::DataView>();
    data = static_cast<const uint8_t*>(view.ArrayBuffer().Data()) + view.ByteOffset();
    byte_length = view.ByteLength();
  }
  const mx::Shape shape = ShapeArg(info, 1);
  const mx::Dtype dtype = DtypeArg(info, 2);
  size_t count = 1;
  for (int d : shape) {
    if (d < 0) throw ArgumentError("shape dimensions must be >= 0");
    count *= static_cast<size_t>(d);
  }
  if (count * dtype.size() != byte_length) {
    throw ArgumentError("data holds " + std::to_string(byte_length) + " bytes but the shape and dtype need " +
                        std::to_string(count * dtype.size()));
  }
  if (count == 0) return Result(info.Env(), mx::zeros(shape, dtype));
  return Result(info.Env(), FromBytes(data, shape, dtype));
}

Napi::Value Scalar(const Napi::CallbackInfo& info) {
  const mx::Dtype dtype = DtypeArg(info, 1);
  if (info[0].IsBoolean()) return Result(info.Env(), mx::array(info[0].As<Napi::Boolean>().Value(), dtype));
  return Result(info.Env(), mx::array(NumberArg(info, 0), dtype));
}

// info(h) -> Int32Array [dtypeCode, ...shape]
Napi::Value Meta(const Napi::CallbackInfo& info) {
  const mx::array& a = ArrayArg(info, 0);
  auto out = Napi::Int32Array::New(info.Env(), a.ndim() + 1);
  out[0] = DtypeCode(a.dtype());
  for (size_t k = 0; k < a.ndim(); ++k) out[k + 1] = a.shape(static_cast<int>(k));
  return out;
}

Napi::Value Item(const Napi::CallbackInfo& info) {
  mx::array a = ArrayArg(info, 0);
  if (a.size() != 1) throw ArgumentError("item() needs an array of exactly one element, this one has " + std::to_string(a.size()));
  a.eval();
  Napi::Env env = info.Env();
  switch (a.dtype().val()) {
    case mx::Dtype::Val::bool_: return Napi::Boolean::New(env, a.item<bool>());
    case mx::Dtype::Val::uint8: return Napi::Number::New(env, a.item<uint8_t>());
    case mx::Dtype::Val::uint16: return Napi::Number::New(env, a.item<uint16_t>());
    case mx::Dtype::Val::uint32: return Napi::Number::New(env, a.item<uint32_t>());
    case mx::Dtype::Val::uint64: return Napi::Number::New(env, static_cast<double>(a.item<uint64_t>()));
    case mx::Dtype::Val::int8: return Napi::Number::New(env, a.item<int8_t>());
    case mx::Dtype::Val::int16: return Napi::Number::New(env, a.item<int16_t>());
    case mx::Dtype::Val::int32: return Napi::Number::New(env, a.item<int32_t>());
    case mx::Dtype::Val::int64: return Napi::Number::New(env, static_cast<double>(a.item<int64_t>()));
    case mx::Dtype::Val::float16: return Napi::Number::New(env, static_cast<float>(a.item<mx::float16_t>()));
    case mx::Dtype::Val::float32: return Napi::Number::New(env, a.item<float>());
    case mx::Dtype::Val::float64: return Napi::Number::New(env, a.item<double>());
    case mx::Dtype::Val::bfloat16: return Napi::Number::New(env, static_cast<float>(a.item<mx::bfloat16_t>()));
    case mx::Dtype::Val::complex64: throw ArgumentError("item() of a complex64 array is not supported");
  }
  return env.Undefined();
}

// toBytes(h) -> ArrayBuffer holding the row-major data.
Napi::Value ToBytes(const Napi::CallbackInfo& info) {
  mx::array a = ArrayArg(info, 0);
  // Layout flags are only known once the array is evaluated: a transpose, slice or broadcast is
  // a strided view of its input until then.
  a.eval();
  if (!a.flags().row_contiguous) {
    a = mx::contiguous(a, /* allow_col_major */ false);
    a.eval();
  }
  auto buffer = Napi::ArrayBuffer::New(info.Env(), a.nbytes());
  if (a.nbytes() > 0) std::memcpy(buffer.Data(), a.data<uint8_t>(), a.nbytes());
  return buffer;
}

Napi::Value Eval(const Napi::CallbackInfo& info) {
  mx::eval(ArrayVectorArg(info, 0));
  return info.Env().Undefined();
}

// Waits for a scheduled evaluation on a libuv pool thread. Only `wait()` runs there: MLX streams
// are thread-affine, so the graph was built and scheduled on the JS thread. The worker waits on a
// private sentinel that depends on the outputs, so it never touches arrays JS can still see.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, mx::array sentinel)
      : Napi::AsyncWorker(env, "mlx-ts:asyncEval"), deferred_(Napi::Promise::Deferred::New(env)), sentinel_(std::move(sentinel)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    try {
      sentinel_.wait();
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(MakeMlxError(Env(), e.Message())); }
  // A worker thread that stops (terminate(), an uncaught error) completes its pending work while
  // JS can no longer run: settling the promise then fails, and the error it throws, uncaught on
  // the event loop, would abort the whole process. Nobody waits for that promise any more.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    try {
      Napi::AsyncWorker::OnWorkComplete(env, status);
    } catch (const Napi::Error&) {
    }
  }

 private:
  Napi::Promise::Deferred deferred_;
  mx::array sentinel_;
};

Napi::Value AsyncEval(const Napi::CallbackInfo& info) {
  std::vector<mx::array> outputs = ArrayVectorArg(info, 0);
  mx::array sentinel = mx::depends({mx::array(0, mx::int32)}, outputs)[0];
  outputs.push_back(sentinel);
  mx::async_eval(outputs);
  auto* worker = new WaitWorker(info.Env(), sentinel);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value ReleaseJs(const Napi::CallbackInfo& info) {
  Release(info.Env(), HandleArg(info, 0));
  return info.Env().Undefined();
}

Napi::Value ReleaseMany(const Napi::CallbackInfo& info) {
  auto handles = info[0].As<Napi::Uint32Array>();
  for (size_t k = 0; k < handles.ElementLength(); ++k) Release(info.Env(), handles[k]);
  return info.Env().Undefined();
}

Napi::Value LiveCountJs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(LiveCount()));
}

Napi::Value Copy(const Napi::CallbackInfo& info) {
  return Result(info.Env(), ArrayArg(info, 0));
}

}  // namespace

void InitArray(Napi::Env env, Napi::Object exports) {
  Export<FromBytesJs>(env, exports, "fromBytes");
  Export<Scalar>(env, exports, "scalar");
  Export<Meta>(env, exports, "meta");
  Export<Item>(env, exports, "item");
  Export<ToBytes>(env, exports, "toBytes");
  Export<Eval>(env, exports, "eval");
  Export<AsyncEval>(env, exports, "asyncEval");
  Export<ReleaseJs>(env, exports, "release");
  Export<ReleaseMany>(env, exports, "releaseMany");
  Export<LiveCountJs>(env, exports, "liveCount");
  Export<Copy>(env, exports, "share");
}

}  // namespace mlxts
