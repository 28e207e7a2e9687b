// Where each row of a strided array starts, for the CPU kernels that read their input in place:
// a row is a run along the last axis, which must have stride 1; the other axes may have any
// strides (a transposed view, a broadcast, a slice), so no copy is needed to read them.
#pragma once

#include <cstdint>
#include <vector>

#include "mlx/array.h"

namespace mlxts {

class RowOffsets {
 public:
  explicit RowOffsets(const mlx::core::array& a) {
    const int leading = static_cast<int>(a.ndim()) - 1;
    for (int i = 0; i < leading; ++i) {
      shape_.push_back(a.shape(i));
      strides_.push_back(static_cast<int64_t>(a.strides()[i]));
    }
    const int64_t last = a.ndim() == 0 ? 1 : a.shape(-1);
    contiguous_ = true;
    int64_t expected = last;
    for (int i = leading - 1; i >= 0; --i) {
      if (shape_[i] != 1 && strides_[i] != expected) contiguous_ = false;
      expected *= shape_[i];
    }
    row_length_ = last;
  }

  // Offset in elements of row r (rows numbered row-major over the leading axes).
  int64_t operator()(int64_t r) const {
    if (contiguous_) return r * row_length_;
    int64_t offset = 0;
    for (int i = static_cast<int>(shape_.size()) - 1; i >= 0 && r > 0; --i) {
      offset += (r % shape_[i]) * strides_[i];
      r /= shape_[i];
    }
    return offset;
  }

 private:
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
  int64_t row_length_ = 1;
  bool contiguous_ = true;
};

}  // namespace mlxts
