// The rows of a strided array, for the CPU kernels that read their input in place: a row is a
// run along the last axis, and every axis may have any stride (a transposed view, a broadcast,
// a slice), so no copy of the whole input is made. Strides are only known once the input is
// evaluated, so this is built inside the kernel. A row whose last axis is strided is gathered
// into a scratch buffer; otherwise it is read where it lies.
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
    inner_stride_ = a.ndim() == 0 || last == 1 ? 1 : static_cast<int64_t>(a.strides()[leading]);
    if (inner_stride_ != 1) contiguous_ = false;
  }

  // Row r itself, or a copy of it in `scratch` when the last axis is strided.
  const float* Row(const float* base, int64_t r, std::vector<float>& scratch) const {
    return Gather(base + (*this)(r), scratch);
  }

  // The row_length() elements from `start` along the last axis, contiguous.
  const float* Gather(const float* start, std::vector<float>& scratch) const {
    if (inner_stride_ == 1) return start;
    scratch.resize(row_length_);
    for (int64_t i = 0; i < row_length_; ++i) scratch[i] = start[i * inner_stride_];
    return scratch.data();
  }

  int64_t row_length() const { return row_length_; }

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
  int64_t inner_stride_ = 1;
  bool contiguous_ = true;
};

}  // namespace mlxts
