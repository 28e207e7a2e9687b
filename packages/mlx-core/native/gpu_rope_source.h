// The rotation both norm-and-rope kernels end with (gpu_norm_rope.cc, gpu_rope_heads.cc), as
// kernel source: a warp's normed row in shared memory → its rotated row, MLX's angle and rounding.
#pragma once

#include <string>

namespace mlxts {

// Reads normed[warp][D], lane, position, base (log2 of the base) or freqs, and the template
// arguments D, DIMS, TRADITIONAL, HAS_FREQS; writes out_row[D].
constexpr const char* kRotateNormedRow = R"(
    for (int e = lane; e < D; e += 32) {
      if (e >= DIMS) {
        out_row[e] = normed[warp][e];
        continue;
      }
      constexpr int HALF = DIMS / 2;
      const bool first = TRADITIONAL ? (e % 2 == 0) : (e < HALF);
      const int i = TRADITIONAL ? e / 2 : (first ? e : e - HALF);
      const int partner = TRADITIONAL ? (first ? e + 1 : e - 1) : (first ? e + HALF : e - HALF);
      float inv_freq;
      if constexpr (HAS_FREQS) {
        inv_freq = 1.0 / static_cast<float>(freqs[i]);
      } else {
        const float d = static_cast<float>(i) / static_cast<float>(HALF);
        inv_freq = exp2(-d * base);
      }
      const float theta = position * inv_freq;
      const float costheta = cos(theta);
      const float sintheta = sin(theta);
      const float x1 = static_cast<float>(normed[warp][first ? e : partner]);
      const float x2 = static_cast<float>(normed[warp][first ? partner : e]);
      out_row[e] = static_cast<T>(first ? x1 * costheta - x2 * sintheta : x1 * sintheta + x2 * costheta);
    }
)";

// `source` with its ROTATE placeholder replaced by kRotateNormedRow.
inline std::string WithRotation(const char* source) {
  std::string text(source);
  const size_t at = text.find("ROTATE");
  return text.replace(at, 6, kRotateNormedRow);
}

}  // namespace mlxts
