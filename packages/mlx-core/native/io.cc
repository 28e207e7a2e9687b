// Safetensors load (lazy) and save.
#include "common.h"

namespace mlxts {
namespace {

// loadSafetensors(path, stream?) -> { arrays: { name: handle }, metadata: { key: value } }
Napi::Value LoadSafetensors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto [arrays, metadata] = mx::load_safetensors(StringArg(info, 0), StreamArg(info, 1));
  auto out = Napi::Object::New(env);
  auto js_arrays = Napi::Object::New(env);
  for (auto& [name, a] : arrays) js_arrays.Set(name, Napi::Number::New(env, Put(std::move(a))));
  ReportExternal(env);
  auto js_meta = Napi::Object::New(env);
  for (auto& [k, v] : metadata) js_meta.Set(k, Napi::String::New(env, v));
  out.Set("arrays", js_arrays);
  out.Set("metadata", js_meta);
  return out;
}

// saveSafetensors(path, names: string[], handles: number[], metadata: { key: value })
Napi::Value SaveSafetensors(const Napi::CallbackInfo& info) {
  const std::string path = StringArg(info, 0);
  if (!info[1].IsArray()) throw ArgumentError("saveSafetensors: expected a list of names");
  auto names = info[1].As<Napi::Array>();
  auto handles = ArrayVectorArg(info, 2);
  if (names.Length() != handles.size()) throw ArgumentError("saveSafetensors: names and arrays differ in length");
  std::unordered_map<std::string, mx::array> arrays;
  for (uint32_t k = 0; k < names.Length(); ++k) arrays.insert_or_assign(names.Get(k).As<Napi::String>().Utf8Value(), handles[k]);
  std::unordered_map<std::string, std::string> metadata;
  if (!IsMissing(info, 3)) {
    auto meta = info[3].As<Napi::Object>();
    auto keys = meta.GetPropertyNames();
    for (uint32_t k = 0; k < keys.Length(); ++k) {
      Napi::Value key = keys.Get(k);
      Napi::Value value = meta.Get(key);
      if (!value.IsString()) throw ArgumentError("saveSafetensors: metadata values must be strings");
      metadata[key.As<Napi::String>().Utf8Value()] = value.As<Napi::String>().Utf8Value();
    }
  }
  mx::save_safetensors(path, std::move(arrays), std::move(metadata));
  return info.Env().Undefined();
}

}  // namespace

void InitIo(Napi::Env env, Napi::Object exports) {
  Export<LoadSafetensors>(env, exports, "loadSafetensors");
  Export<SaveSafetensors>(env, exports, "saveSafetensors");
}

}  // namespace mlxts
