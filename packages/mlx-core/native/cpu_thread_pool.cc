// See cpu_thread_pool.h.
#include "cpu_thread_pool.h"

#include <dlfcn.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MLXTS_PAUSE() _mm_pause()
#else
#define MLXTS_PAUSE() std::this_thread::yield()
#endif

namespace mlxts {

namespace {

// Spin this many pause loops waiting for the next job before sleeping (a few tens of µs): long
// enough to bridge back-to-back matmuls, short enough not to take a core from other work
// between them.
constexpr int kSpinIterations = 2000;

int InitialThreads() {
  if (const char* env = std::getenv("MLX_TS_CPU_THREADS")) {
    const int n = std::atoi(env);
    if (n >= 1) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

// OpenBLAS (when MLX's BLAS resolves to it) keeps its own pool, whose idle workers spin on
// sched_yield for a while after every call: during a decode step, with a BLAS call per layer,
// they never sleep and take a core from this pool's threads. Its size follows this pool's.
void SetBlasThreads(int n) {
  using SetFn = void (*)(int);
  static const SetFn set = [] {
    // Loaded as a dependency of libmlx, not into the global scope: look it up by name first.
    for (const char* name : {"libopenblas.so.0", "libopenblas.so", "libopenblas.dylib"}) {
      if (void* lib = dlopen(name, RTLD_LAZY | RTLD_NOLOAD)) {
        if (void* fn = dlsym(lib, "openblas_set_num_threads")) return reinterpret_cast<SetFn>(fn);
      }
    }
    return reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  }();
  if (set) set(n);
}

}  // namespace

struct CpuThreadPool::State {
  std::mutex job_mutex;  // one job at a time; also guards resizing

  std::mutex mutex;  // guards sleeping and waking
  std::condition_variable wake;
  std::atomic<uint64_t> generation{0};
  std::atomic<bool> stop{false};

  // A job's tasks are claimed from `claim` = (generation << 32) | next index, by compare-and-swap
  // so that a worker still finishing the previous job can never take an index of the next one.
  const std::function<void(int)>* fn = nullptr;
  std::atomic<int> tasks{0};
  std::atomic<uint64_t> claim{0};
  std::atomic<int> done{0};

  int total_threads = 1;
  std::vector<std::thread> workers;

  void RunTasks(uint64_t gen) {
    uint64_t v = claim.load(std::memory_order_acquire);
    while (true) {
      if ((v >> 32) != (gen & 0xffffffffu)) return;
      const int t = static_cast<int>(v & 0xffffffffu);
      if (t >= tasks.load(std::memory_order_acquire)) return;
      if (!claim.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      (*fn)(t);
      done.fetch_add(1, std::memory_order_acq_rel);
      v = claim.load(std::memory_order_acquire);
    }
  }

  void WorkerLoop() {
    uint64_t seen = generation.load();
    while (true) {
      int spins = 0;
      while (generation.load(std::memory_order_acquire) == seen && !stop.load(std::memory_order_relaxed)) {
        if (++spins < kSpinIterations) {
          MLXTS_PAUSE();
          continue;
        }
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return generation.load() != seen || stop.load(); });
      }
      if (stop.load()) return;
      seen = generation.load();
      RunTasks(seen);
    }
  }

  void Start(int n) {
    total_threads = n < 1 ? 1 : n;
    SetBlasThreads(total_threads);
    stop = false;
    for (int i = 1; i < total_threads; ++i) workers.emplace_back([this] { WorkerLoop(); });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    wake.notify_all();
    for (auto& w : workers) w.join();
    workers.clear();
  }
};

CpuThreadPool::CpuThreadPool() : state_(new State()) { state_->Start(InitialThreads()); }

CpuThreadPool& CpuThreadPool::Shared() {
  // Never destroyed: workers may still be parked when the process exits.
  static CpuThreadPool* pool = new CpuThreadPool();
  return *pool;
}

int CpuThreadPool::threads() const { return state_->total_threads; }

void CpuThreadPool::SetThreads(int n) {
  std::lock_guard<std::mutex> job(state_->job_mutex);
  if (n < 1) n = 1;
  if (n == state_->total_threads) return;
  state_->Stop();
  state_->Start(n);
}

void CpuThreadPool::ParallelFor(int tasks, const std::function<void(int)>& fn) {
  if (tasks <= 0) return;
  std::lock_guard<std::mutex> job(state_->job_mutex);
  State& s = *state_;
  if (tasks == 1 || s.total_threads == 1) {
    for (int t = 0; t < tasks; ++t) fn(t);
    return;
  }
  const uint64_t gen = s.generation.load() + 1;
  s.fn = &fn;
  s.done.store(0);
  s.tasks.store(tasks, std::memory_order_release);
  s.claim.store((gen & 0xffffffffu) << 32, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.generation.store(gen, std::memory_order_release);
  }
  s.wake.notify_all();
  s.RunTasks(gen);
  while (s.done.load(std::memory_order_acquire) < tasks) MLXTS_PAUSE();
}

}  // namespace mlxts
