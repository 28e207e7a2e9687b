// Per-environment state of the addon (one per worker thread that loads it): the constructors the
// C++ side needs to make JS objects of its own classes.
#pragma once

#include <napi.h>

namespace xgrammar_ts {

struct AddonData {
  Napi::FunctionReference compiled_grammar;
};

inline AddonData& GetAddonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace xgrammar_ts
