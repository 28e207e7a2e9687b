// The handle table: arrays live here, JS refers to them by index.
#include <unistd.h>

#include <climits>
#include <sstream>
#include <thread>

#include "common.h"

namespace mlxts {
namespace {

// Arrays bigger than this that hold data when they get a handle (made from JS data) are reported
// to V8 as external memory, so that a program that forgets to dispose them still triggers garbage
// collection (and the safety-net finalizers). The lazy result of an op is not: it holds no memory
// yet, and usually never will (MLX frees intermediates as it evaluates a graph). Reporting them
// made every prefill pay for its activations as if allocated at graph-building time: with a
// 512-token prompt, two to four full garbage collections while the graph was being built, which
// tripled the host time of a GPU prefill (38 ms against 12 ms for the same kernels from Python).
constexpr size_t kExternalThreshold = 64 * 1024;

struct Slot {
  std::optional<mx::array> array;
  int64_t accounted = 0;
  // The JS thread that made the handle: its arrays are released when that thread's environment ends.
  std::thread::id owner;
};

std::vector<Slot> table;
std::vector<uint32_t> free_slots;
size_t live = 0;
int64_t pending_external = 0;

// MLX's CPU allocator does not fail cleanly: an allocation the system refuses is written to
// anyway and the process dies. Shapes are known before evaluation, so refuse any array larger
// than physical memory here, as an MlxError the caller can handle.
size_t PhysicalMemory() {
  static const size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page_size) : SIZE_MAX;
  }();
  return bytes;
}

std::string ShapeString(const mx::Shape& shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

}  // namespace

uint32_t Put(mx::array a) {
  const size_t size_bytes = a.nbytes();
  if (size_bytes > PhysicalMemory() || (a.size() > 0 && size_bytes / a.size() != a.itemsize())) {
    throw std::runtime_error("an array of shape " + ShapeString(a.shape()) + " needs " + std::to_string(size_bytes >> 20) +
                             " MiB, more than this machine's memory (" + std::to_string(PhysicalMemory() >> 20) +
                             " MiB). Fix: use smaller shapes, or process the data in chunks.");
  }
  uint32_t handle;
  if (!free_slots.empty()) {
    handle = free_slots.back();
    free_slots.pop_back();
  } else {
    handle = static_cast<uint32_t>(table.size());
    table.emplace_back();
  }
  Slot& slot = table[handle];
  const size_t bytes = size_bytes;
  if (bytes >= kExternalThreshold && !a.has_primitive()) {
    slot.accounted = static_cast<int64_t>(bytes);
    pending_external += slot.accounted;
  } else {
    slot.accounted = 0;
  }
  slot.array.emplace(std::move(a));
  slot.owner = std::this_thread::get_id();
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

void ReleaseArraysOfThisThread() {
  const std::thread::id self = std::this_thread::get_id();
  for (uint32_t handle = 0; handle < table.size(); ++handle) {
    Slot& slot = table[handle];
    if (!slot.array || slot.owner != self) continue;
    slot.array.reset();
    // The environment is going away: its external-memory count goes with it.
    if (slot.accounted) pending_external -= slot.accounted;
    slot.accounted = 0;
    free_slots.push_back(handle);
    --live;
  }
}

}  // namespace mlxts
