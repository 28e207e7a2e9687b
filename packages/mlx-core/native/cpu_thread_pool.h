// A small fixed pool of worker threads for the CPU kernels of this addon. MLX runs every CPU op of
// a stream on one thread; the quantized matmul splits its output rows over this pool instead, with
// the calling thread taking a share. Workers spin briefly between jobs (a decode step runs
// hundreds of back-to-back matmuls) and then sleep.
#pragma once

#include <functional>

namespace mlxts {

class CpuThreadPool {
 public:
  // The process-wide pool; MLX_TS_CPU_THREADS sets its initial size (default: hardware threads).
  static CpuThreadPool& Shared();

  // Total threads working on a job, the caller included (>= 1).
  int threads() const;
  void SetThreads(int n);

  // Runs fn(0) .. fn(tasks - 1) across the pool and returns when all have finished.
  // Jobs are serialized: a second caller waits for the first job to end.
  void ParallelFor(int tasks, const std::function<void(int)>& fn);

 private:
  CpuThreadPool();
  struct State;
  State* state_;
};

}  // namespace mlxts
