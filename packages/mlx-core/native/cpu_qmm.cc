// Dispatch, threading and the portable kernel of cpu_qmm.h.
#include "cpu_qmm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu_thread_pool.h"

namespace mlxts::qmm {
namespace {

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float LoadScale(ScaleType t, const void* p, int64_t i) {
  switch (t) {
    case ScaleType::Float32:
      return static_cast<const float*>(p)[i];
    case ScaleType::BFloat16: {
      const uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(p)[i]) << 16;
      float f;
      std::memcpy(&f, &bits, 4);
      return f;
    }
    case ScaleType::Float16:
      return HalfToFloat(static_cast<const uint16_t*>(p)[i]);
  }
  return 0.0f;
}

bool CpuHasAvx2() {
#if defined(__x86_64__)
  __builtin_cpu_init();  // may run from a static initializer, before libgcc's own
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
#else
  return false;
#endif
}

bool CpuHasAvx512() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return CpuHasAvx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#else
  return false;
#endif
}

// MLX_TS_CPU_ISA=avx2 or scalar caps the kernels chosen at start (to compare families, or to
// sidestep a CPU whose 512-bit units slow the clock).
Isa StartIsa() {
  const Isa best = CpuHasAvx512() ? Isa::Avx512 : CpuHasAvx2() ? Isa::Avx2 : Isa::Scalar;
  const char* env = std::getenv("MLX_TS_CPU_ISA");
  if (env == nullptr) return best;
  const std::string want(env);
  if (want == "scalar") return Isa::Scalar;
  if (want == "avx2" && HasAvx2(best)) return Isa::Avx2;
  return best;
}

std::atomic<Isa> active_isa{StartIsa()};

// MLX_TS_CPU_INT8=1 turns the int8-activation kernel on for every product by default.
std::atomic<bool> int8_default{[] {
  const char* env = std::getenv("MLX_TS_CPU_INT8");
  return env != nullptr && std::string(env) == "1";
}()};

// Below this many multiply-adds (~50 µs of one core) a product runs on the calling thread:
// handing half of it to a worker saves less than waking one can cost on a busy machine.
constexpr int64_t kMinParallelWork = 1 << 20;

}  // namespace

Isa BestIsa() { return CpuHasAvx512() ? Isa::Avx512 : CpuHasAvx2() ? Isa::Avx2 : Isa::Scalar; }
Isa ActiveIsa() { return active_isa.load(); }

bool SetIsa(Isa isa) {
  if (isa == Isa::Avx2 && !CpuHasAvx2()) return false;
  if (isa == Isa::Avx512 && !CpuHasAvx512()) return false;
  active_isa.store(isa);
  return true;
}

void SetInt8ActivationsDefault(bool on) { int8_default.store(on); }
bool Int8ActivationsDefault() { return int8_default.load(); }

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "scalar";
  }
}

// Value j of a row: bits j·bits .. j·bits + bits − 1 of its little-endian bit stream (for 4 and 8
// bits the same as "32 / bits values per word, lowest first"; 5-bit values straddle bytes).
inline uint32_t QuantAt(const uint8_t* row, int64_t j, int bits) {
  const int64_t bit = j * bits;
  const int64_t byte = bit >> 3;
  const int shift = static_cast<int>(bit & 7);
  uint32_t v = row[byte];
  if (shift + bits > 8) v |= static_cast<uint32_t>(row[byte + 1]) << 8;
  return (v >> shift) & ((1u << bits) - 1);
}

void ScalarSlice(const Problem& p, const Prepared& prep, int64_t n0, int64_t n1) {
  const int64_t k = p.k;
  const int64_t groups = k / p.group;
  const int64_t row_bytes = k * p.bits / 8;
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* row = reinterpret_cast<const uint8_t*>(p.w) + n * row_bytes;
    for (int64_t m = 0; m < p.m; ++m) {
      const float* x = p.x + m * k;
      float acc = 0.0f;
      for (int64_t g = 0; g < groups; ++g) {
        float dot = 0.0f;
        for (int64_t j = g * p.group; j < (g + 1) * p.group; ++j) {
          const uint32_t q = QuantAt(row, j, p.bits);
          dot += x[j] * static_cast<float>(q);
        }
        const float scale = LoadScale(p.scale_type, p.scales, n * groups + g);
        const float bias = p.biases != nullptr ? LoadScale(p.scale_type, p.biases, n * groups + g) : p.bias_factor * scale;
        acc += scale * dot + bias * prep.xsum[m * groups + g];
      }
      p.out[m * p.n + n] = acc;
    }
  }
}

void Run(const Problem& p) {
  const Isa isa = ActiveIsa();
  const int64_t groups = p.k / p.group;
  const bool vector_path = isa == Isa::Scalar || p.m <= kMaxVectorRows;
  const bool int8 = p.int8_activations && HasAvx2(isa) && p.m <= kMaxVectorRows && Int8Applies(p);

  // Group sums of x, and for the 4-bit vector kernel x reordered the way nibbles unpack:
  // within each run of 16, the even positions then the odd ones.
  std::vector<float> xsum;
  std::vector<float> xperm;
  Prepared prep{p.x, nullptr};
  if (vector_path) {
    xsum.resize(static_cast<size_t>(p.m * groups));
    for (int64_t m = 0; m < p.m; ++m) {
      const float* x = p.x + m * p.k;
      for (int64_t g = 0; g < groups; ++g) {
        float s = 0.0f;
        for (int64_t j = g * p.group; j < (g + 1) * p.group; ++j) s += x[j];
        xsum[m * groups + g] = s;
      }
    }
    prep.xsum = xsum.data();
    if (HasAvx2(isa) && p.bits == 4 && !int8) {
      // Runs of 16 for AVX2, 32 for AVX-512 (k is a multiple of the group, so of 32).
      const int run = isa == Isa::Avx512 ? 32 : 16;
      const int half = run / 2;
      xperm.resize(static_cast<size_t>(p.m * p.k));
      for (int64_t i = 0; i < p.m * p.k; i += run) {
        for (int j = 0; j < half; ++j) {
          xperm[i + j] = p.x[i + 2 * j];
          xperm[i + half + j] = p.x[i + 2 * j + 1];
        }
      }
      prep.xp = xperm.data();
    }
  }

  std::vector<int8_t> xq;
  std::vector<float> xd;
  PreparedInt8 prep8{nullptr, nullptr, xsum.data()};
  if (int8) {
    xq.resize(static_cast<size_t>(p.m * p.k));
    xd.resize(static_cast<size_t>(p.m * (p.k / 32)));
    QuantizeActivations(p, xq.data(), xd.data());
    prep8.xq = xq.data();
    prep8.xd = xd.data();
  }

  auto slice = [&](int64_t n0, int64_t n1) {
#if defined(__x86_64__)
    if (int8) {
      Avx2Int8Slice(p, prep8, n0, n1);
      return;
    }
    if (isa == Isa::Avx512) {
      if (vector_path) {
        Avx512VectorSlice(p, prep, n0, n1);
      } else {
        Avx512MatrixSlice(p, n0, n1);
      }
      return;
    }
    if (isa == Isa::Avx2) {
      if (vector_path) {
        Avx2VectorSlice(p, prep, n0, n1);
      } else {
        Avx2MatrixSlice(p, n0, n1);
      }
      return;
    }
#endif
    ScalarSlice(p, prep, n0, n1);
  };

  CpuThreadPool& pool = CpuThreadPool::Shared();
  const int threads = pool.threads();
  if (threads == 1 || p.m * p.n * p.k < kMinParallelWork) {
    slice(0, p.n);
    return;
  }
  // Many slices per thread keep the split even when another process takes a core (a thread
  // descheduled mid-slice holds back only its slice); slices are whole 16-column panels so that
  // no two threads share an output cache line.
#if defined(__x86_64__)
  const int64_t width = isa == Isa::Avx512 && !vector_path ? kWidePanel : kPanel;
#else
  const int64_t width = kPanel;
#endif
  const int64_t panels = (p.n + width - 1) / width;
  const int64_t tasks = std::min<int64_t>(panels, static_cast<int64_t>(threads) * 16);
  const int64_t per_task = (panels + tasks - 1) / tasks;
  const int64_t used = (panels + per_task - 1) / per_task;
  pool.ParallelFor(static_cast<int>(used), [&](int t) {
    const int64_t n0 = t * per_task * width;
    const int64_t n1 = std::min<int64_t>(p.n, (t + 1) * per_task * width);
    if (n0 < n1) slice(n0, n1);
  });
}

}  // namespace mlxts::qmm
