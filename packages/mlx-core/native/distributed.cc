// mx.distributed: MLX's own communication layer (ring over TCP, MPI, NCCL, JACCL). Groups cross
// into JS as small integer ids into a table; id 0 is "the group init() returned last" so ops
// without a group use MLX's global group, as in Python.
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <regex>
#include <thread>

#include <poll.h>
#include <unistd.h>

#include "mlx/distributed/distributed.h"
#include "mlx/distributed/ops.h"
#include "mlx/scheduler.h"
#include "common.h"
#include "peer_connections.h"

namespace mlxts {

// Writes all of `text` to stderr, which Node may have made non-blocking (a pipe to a parent that
// reads it later): a write that would block waits for room instead of losing the line.
static void WriteStderr(const std::string& text) {
  std::fflush(stderr);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(2, text.data() + done, text.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd fd{2, POLLOUT, 0};
      ::poll(&fd, 1, 100);
    } else {
      return;
    }
  }
}

[[noreturn]] void ExitWith(int code, const std::string& line) {
  std::fflush(stdout);
  if (!line.empty()) WriteStderr(line + "\n");
  std::_Exit(code);
}

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
    const std::vector<OpenSocket> before = OpenSockets();
    Watchdog watchdog(timeout_ms, backend);
    g = dist::init(strict, backend);
    if (g->size() > 1) RecordPeerConnections(before);
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

// distributedExitOnStreamError(collectiveLine, otherLine, code, pollMs). A ring collective whose
// peer died fails the transfers in flight and MLX keeps that error on the CPU stream the
// collectives run on, but the collectives evaluated after it wait forever on the dead sockets:
// that stream's thread never runs again, nor does any evaluation behind it, so nothing waiting on
// them ever hears of the failure. This thread watches the calling thread's CPU stream for the
// error and ends the process with one line ("{error}" in the line is replaced by the message):
// collectiveLine when a collective failed, otherLine for any other failed operation.
void WatchStream(mx::Stream stream, std::string collective_line, std::string other_line, int code, int poll_ms) {
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(poll_ms));
    std::string message;
    try {
      mx::scheduler::check_error(stream);
      continue;
    } catch (const std::exception& e) {
      message = e.what();
    }
    const bool communication = std::regex_search(message, std::regex("^\\[(ring|mpi|nccl|jaccl|distributed)\\]"));
    std::string line = communication ? collective_line : other_line;
    const auto at = line.find("{error}");
    if (at != std::string::npos) line.replace(at, 7, message);
    ExitWith(code, line);
  }
}

Napi::Value ExitOnStreamError(const Napi::CallbackInfo& info) {
  const std::string collective_line = StringArg(info, 0);
  const std::string other_line = StringArg(info, 1);
  const int code = IntArg(info, 2);
  const int poll_ms = IntArg(info, 3);
  if (poll_ms < 1) throw ArgumentError("pollMs must be at least 1");
  std::thread(WatchStream, mx::default_stream(mx::Device::cpu), collective_line, other_line, code, poll_ms).detach();
  return info.Env().Undefined();
}

// distributedExitOnLostPeer(line, code): see peer_connections.h.
Napi::Value ExitOnLostPeerExport(const Napi::CallbackInfo& info) {
  ExitOnLostPeer(StringArg(info, 0), IntArg(info, 1));
  return info.Env().Undefined();
}

// distributedExpectPeersToLeave()
Napi::Value ExpectPeersToLeaveExport(const Napi::CallbackInfo& info) {
  ExpectPeersToLeave();
  return info.Env().Undefined();
}

// distributedExitNow(code, line): ends the process without waiting for anything, `line` written
// first. After a collective failed, a stream thread (and the pool thread waiting on it) can stay
// blocked forever, and a normal exit, which stops worker threads and waits for their pending
// work, would wait with them.
Napi::Value ExitNow(const Napi::CallbackInfo& info) {
  ExitWith(IntArg(info, 0), IsMissing(info, 1) ? std::string() : StringArg(info, 1));
}

}  // namespace

void InitDistributed(Napi::Env env, Napi::Object exports) {
  // MLX takes a stream's stored error on the thread it counts as its main one (the first to use
  // the scheduler) whenever that thread schedules work, and then waits for the stream, which
  // after a lost peer never comes back (see ExitOnStreamError). In a rank of a group, MLX's main
  // thread is one that schedules nothing, so the error stays where the watch sees it and no JS
  // thread blocks. Errors still reach evaluations through their events.
  const char* rank = std::getenv("MLX_RANK");
  if (rank && *rank) std::thread([] { (void)mx::scheduler::scheduler(); }).join();
  Export<IsAvailable>(env, exports, "distributedIsAvailable");
  Export<Init>(env, exports, "distributedInit");
  Export<Split>(env, exports, "distributedSplit");
  Export<Collective>(env, exports, "distributedCollective");
  Export<Send>(env, exports, "distributedSend");
  Export<Recv>(env, exports, "distributedRecv");
  Export<RecvLike>(env, exports, "distributedRecvLike");
  Export<ExitOnStreamError>(env, exports, "distributedExitOnStreamError");
  Export<ExitNow>(env, exports, "distributedExitNow");
  Export<ExitOnLostPeerExport>(env, exports, "distributedExitOnLostPeer");
  Export<ExpectPeersToLeaveExport>(env, exports, "distributedExpectPeersToLeave");
}

}  // namespace mlxts
