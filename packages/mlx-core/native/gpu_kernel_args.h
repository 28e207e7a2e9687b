// What the addon's CUDA kernels share: a float handed to a kernel as the bits of an int template
// argument (MLX's custom kernels take ints, bools and dtypes), and the environment switch that
// turns a kernel off.
#pragma once

#include <cstdlib>
#include <cstring>

namespace mlxts {

// The bits of `value`, which the kernel reads back with __int_as_float.
inline int FloatBits(float value) {
  int bits;
  std::memcpy(&bits, &value, sizeof(value));
  return bits;
}

// Whether the environment sets `variable` to 0 (read once by each caller, which keeps the answer).
inline bool TurnedOff(const char* variable) {
  const char* env = std::getenv(variable);
  return env != nullptr && std::strcmp(env, "0") == 0;
}

}  // namespace mlxts
