// mx.distributed: MLX's own communication layer (ring over TCP, MPI, NCCL, JACCL). Groups cross
// into JS as small integer ids into a table; id 0 is "the group init() returned last" so ops
// without a group use MLX's global group, as in Python.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "mlx/distributed/distributed.h"
#include "mlx/distributed/ops.h"
#include "common.h"

namespace mlxts {
namespace {

namespace dist = mx::distributed;

std::vector<dist::Group> groups;

std::optional<dist::Group> GroupArg(const Napi::CallbackInfo& info, size_t i) {
  if (IsMissing(info, i)) return std::nullopt;
  const int id = IntArg(info, i);
  if (id < 0 || static_cast<size_t>(id) >= groups.size()) throw ArgumentError("unknown distributed group id " + std::to_string(id));
  return groups[id];
}

Napi::Value GroupInfo(Napi::Env env, dist::Group g) {
  groups.push_back(g);
  auto out = Napi::Int32Array::New(env, 3);
  out[0] = static_cast<int32_t>(groups.size() - 1);
  out[1] = g.rank();
  out[2] = g.size();
  return out;
}

// distributedIsAvailable(backend?)
Napi::Value IsAvailable(const Napi::CallbackInfo& info) {
  if (IsMissing(info, 0)) return Napi::Boolean::New(info.Env(), dist::is_available());
  return Napi::Boolean::New(info.Env(), dist::is_available(StringArg(info, 0)));
}

// MLX's connect and accept block without a deadline (a peer that never starts leaves the ring
// backend waiting in accept()). They cannot be interrupted from outside, so a watchdog ends the
// process with a message naming the cause instead of letting it hang.
struct Watchdog {
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread thread;

  Watchdog(double timeout_ms, std::string backend) {
    if (!(timeout_ms > 0)) return;
    thread = std::thread([this, timeout_ms, backend] {
      std::unique_lock<std::mutex> lock(m);
      if (cv.wait_for(lock, std::chrono::duration<double, std::milli>(timeout_ms), [this] { return done; })) return;
      const char* rank = std::getenv("MLX_RANK");
      const char* hostfile = std::getenv("MLX_HOSTFILE");
      std::fprintf(stderr,
                   "[mlx-ts distributed] init(backend '%s') did not connect to its peers within %.0f ms "
                   "(MLX_RANK=%s, MLX_HOSTFILE=%s): a peer did not start, died, or is unreachable. Exiting.\n",
                   backend.c_str(), timeout_ms, rank ? rank : "(unset)", hostfile ? hostfile : "(unset)");
      std::fflush(stderr);
      std::_Exit(75);
    });
  }
  ~Watchdog() {
    if (!thread.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(m);
      done = true;
    }
    cv.notify_all();
    thread.join();
  }
};

// distributedInit(strict, backend, timeoutMs) -> Int32Array [id, rank, size]
Napi::Value Init(const Napi::CallbackInfo& info) {
  const bool strict = BoolArg(info, 0);
  const std::string backend = StringArg(info, 1);
  const double timeout_ms = IsMissing(info, 2) ? 0 : NumberArg(info, 2);
  std::optional<dist::Group> g;
  {
    Watchdog watchdog(timeout_ms, backend);
    g = dist::init(strict, backend);
  }
  return GroupInfo(info.Env(), *g);
}

// distributedSplit(group, color, key) -> Int32Array [id, rank, size]
Napi::Value Split(const Napi::CallbackInfo& info) {
  auto g = GroupArg(info, 0);
  if (!g) throw ArgumentError("split needs a group");
  return GroupInfo(info.Env(), g->split(IntArg(info, 1), IntArgOr(info, 2, -1)));
}

// distributedReduce(kind, x, group?, stream?): 0 sum, 1 gather, 2 max, 3 min, 4 sum-scatter
Napi::Value Collective(const Napi::CallbackInfo& info) {
  const int kind = IntArg(info, 0);
  const mx::array& x = ArrayArg(info, 1);
  const auto g = GroupArg(info, 2);
  const auto s = StreamArg(info, 3);
  switch (kind) {
    case 0: return Result(info.Env(), dist::all_sum(x, g, s));
    case 1: return Result(info.Env(), dist::all_gather(x, g, s));
    case 2: return Result(info.Env(), dist::all_max(x, g, s));
    case 3: return Result(info.Env(), dist::all_min(x, g, s));
    case 4: return Result(info.Env(), dist::sum_scatter(x, g, s));
    default: throw ArgumentError("unknown collective " + std::to_string(kind));
  }
}

// distributedSend(x, dst, group?, stream?)
Napi::Value Send(const Napi::CallbackInfo& info) {
  return Result(info.Env(), dist::send(ArrayArg(info, 0), IntArg(info, 1), GroupArg(info, 2), StreamArg(info, 3)));
}

// distributedRecv(shape, dtype, src, group?, stream?)
Napi::Value Recv(const Napi::CallbackInfo& info) {
  return Result(info.Env(), dist::recv(ShapeArg(info, 0), DtypeArg(info, 1), IntArg(info, 2), GroupArg(info, 3), StreamArg(info, 4)));
}

// distributedRecvLike(like, src, group?, stream?)
Napi::Value RecvLike(const Napi::CallbackInfo& info) {
  return Result(info.Env(), dist::recv_like(ArrayArg(info, 0), IntArg(info, 1), GroupArg(info, 2), StreamArg(info, 3)));
}

}  // namespace

void InitDistributed(Napi::Env env, Napi::Object exports) {
  Export<IsAvailable>(env, exports, "distributedIsAvailable");
  Export<Init>(env, exports, "distributedInit");
  Export<Split>(env, exports, "distributedSplit");
  Export<Collective>(env, exports, "distributedCollective");
  Export<Send>(env, exports, "distributedSend");
  Export<Recv>(env, exports, "distributedRecv");
  Export<RecvLike>(env, exports, "distributedRecvLike");
}

}  // namespace mlxts
