// The handle table: arrays live here, JS refers to them by index.
#include "common.h"

namespace mlxts {
namespace {

// Arrays bigger than this are reported to V8 as external memory so that a program that
// forgets to dispose still triggers garbage collection (and the safety-net finalizers).
constexpr size_t kExternalThreshold = 64 * 1024;

struct Slot {
  std::optional<mx::array> array;
  int64_t accounted = 0;
};

std::vector<Slot> table;
std::vector<uint32_t> free_slots;
size_t live = 0;
int64_t pending_external = 0;

}  // namespace

uint32_t Put(mx::array a) {
  uint32_t handle;
  if (!free_slots.empty()) {
    handle = free_slots.back();
    free_slots.pop_back();
  } else {
    handle = static_cast<uint32_t>(table.size());
    table.emplace_back();
  }
  Slot& slot = table[handle];
  const size_t bytes = a.nbytes();
  if (bytes >= kExternalThreshold) {
    slot.accounted = static_cast<int64_t>(bytes);
    pending_external += slot.accounted;
  } else {
    slot.accounted = 0;
  }
  slot.array.emplace(std::move(a));
  ++live;
  return handle;
}

mx::array& Get(uint32_t handle) {
  if (handle >= table.size() || !table[handle].array) {
    throw ArgumentError("invalid array handle (the array was disposed?)");
  }
  return *table[handle].array;
}

void Release(Napi::Env env, uint32_t handle) {
  if (handle >= table.size() || !table[handle].array) return;
  Slot& slot = table[handle];
  slot.array.reset();
  if (slot.accounted) pending_external -= slot.accounted;
  slot.accounted = 0;
  free_slots.push_back(handle);
  --live;
  ReportExternal(env);
}

void ReportExternal(Napi::Env env) {
  // Report in batches: AdjustExternalMemory is cheap but not free.
  if (pending_external > (16 << 20) || pending_external < -(16 << 20)) {
    Napi::MemoryManagement::AdjustExternalMemory(env, pending_external);
    pending_external = 0;
  }
}

size_t LiveCount() { return live; }

}  // namespace mlxts
