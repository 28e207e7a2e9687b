// Devices and streams. Devices cross as [type, index] (type 0 cpu, 1 gpu); streams as
// [index, deviceType, deviceIndex].
#include "common.h"

namespace mlxts {
namespace {

mx::Device DeviceArg(const Napi::CallbackInfo& info, size_t i) {
  auto v = IntVectorArg(info, i);
  if (v.size() != 2) throw ArgumentError("a device is [type, index]");
  return mx::Device(v[0] == 1 ? mx::Device::DeviceType::gpu : mx::Device::DeviceType::cpu, v[1]);
}

Napi::Value DeviceJs(Napi::Env env, const mx::Device& d) {
  auto out = Napi::Int32Array::New(env, 2);
  out[0] = d.type == mx::Device::DeviceType::gpu ? 1 : 0;
  out[1] = d.index;
  return out;
}

Napi::Value StreamJs(Napi::Env env, const mx::Stream& s) {
  auto out = Napi::Int32Array::New(env, 3);
  out[0] = s.index;
  out[1] = s.device.type == mx::Device::DeviceType::gpu ? 1 : 0;
  out[2] = s.device.index;
  return out;
}

Napi::Value DefaultDevice(const Napi::CallbackInfo& info) { return DeviceJs(info.Env(), mx::default_device()); }

Napi::Value SetDefaultDevice(const Napi::CallbackInfo& info) {
  mx::set_default_device(DeviceArg(info, 0));
  return info.Env().Undefined();
}

// isAvailable(device): for GPU builds without a GPU (CUDA reports true), also count devices.
Napi::Value IsAvailable(const Napi::CallbackInfo& info) {
  const mx::Device d = DeviceArg(info, 0);
  bool ok = mx::is_available(d);
  if (ok && d.type == mx::Device::DeviceType::gpu) ok = mx::device_count(d.type) > d.index;
  return Napi::Boolean::New(info.Env(), ok);
}

Napi::Value DeviceCount(const Napi::CallbackInfo& info) {
  const int type = IntArg(info, 0);
  return Napi::Number::New(info.Env(), mx::device_count(type == 1 ? mx::Device::DeviceType::gpu : mx::Device::DeviceType::cpu));
}

Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto out = Napi::Object::New(env);
  for (const auto& [key, value] : mx::device_info(DeviceArg(info, 0))) {
    if (std::holds_alternative<std::string>(value)) {
      out.Set(key, Napi::String::New(env, std::get<std::string>(value)));
    } else {
      out.Set(key, Napi::Number::New(env, static_cast<double>(std::get<size_t>(value))));
    }
  }
  return out;
}

Napi::Value DefaultStream(const Napi::CallbackInfo& info) { return StreamJs(info.Env(), mx::default_stream(DeviceArg(info, 0))); }

Napi::Value NewStream(const Napi::CallbackInfo& info) { return StreamJs(info.Env(), mx::new_stream(DeviceArg(info, 0))); }

Napi::Value SetDefaultStream(const Napi::CallbackInfo& info) {
  auto v = IntVectorArg(info, 0);
  if (v.size() != 3) throw ArgumentError("a stream is [index, deviceType, deviceIndex]");
  mx::set_default_stream(mx::Stream(v[0], mx::Device(v[1] == 1 ? mx::Device::DeviceType::gpu : mx::Device::DeviceType::cpu, v[2])));
  return info.Env().Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 0)) {
    mx::synchronize();
  } else {
    auto v = IntVectorArg(info, 0);
    if (v.size() != 3) throw ArgumentError("a stream is [index, deviceType, deviceIndex]");
    mx::synchronize(mx::Stream(v[0], mx::Device(v[1] == 1 ? mx::Device::DeviceType::gpu : mx::Device::DeviceType::cpu, v[2])));
  }
  return info.Env().Undefined();
}

}  // namespace

void InitDevice(Napi::Env env, Napi::Object exports) {
  Export<DefaultDevice>(env, exports, "defaultDevice");
  Export<SetDefaultDevice>(env, exports, "setDefaultDevice");
  Export<IsAvailable>(env, exports, "deviceIsAvailable");
  Export<DeviceCount>(env, exports, "deviceCount");
  Export<DeviceInfo>(env, exports, "deviceInfo");
  Export<DefaultStream>(env, exports, "defaultStream");
  Export<NewStream>(env, exports, "newStream");
  Export<SetDefaultStream>(env, exports, "setDefaultStream");
  Export<Synchronize>(env, exports, "synchronize");
}

}  // namespace mlxts
