"""Writes test/fixtures/dtypes.json: per-dtype arithmetic and half-precision round trips.

- roundTrips: float32 values and the bits numpy (float16) and ml_dtypes (bfloat16) round them to
  (nearest, ties to even; overflow to infinity; NaN stays NaN).
- arithmetic: the same few ops for every dtype the binding must handle (float32, float16,
  bfloat16, int32, uint8, uint32, int64, bool), with broadcasting and integer wrap-around, in
  numpy's arithmetic of that dtype. Expected dtypes follow MLX's promotion (sum of uint8 is
  uint32, sum of bool int32).
- weakScalars: an array combined with a JS number keeps the array's dtype.

Run: .cache/venv/bin/python packages/mlx-core/test/fixtures-gen/make-dtype-fixtures.py
"""

import numpy as np

from common import BF16, cast, enc, write

rng = np.random.default_rng(7)

# ---- half-precision round trips --------------------------------------------------------------

f16_info = np.finfo(np.float16)
specials = [
    0.0,
    -0.0,
    1.0,
    -2.5,
    3.14159265,
    1e-3,
    65504.0,  # float16 max
    65520.0,  # rounds up to float16 infinity
    1e5,
    6e-8,  # float16 subnormal
    1e-40,  # float32 subnormal
    3.0e38,
    float("inf"),
    float("-inf"),
    float("nan"),
    # ties between bfloat16 neighbours (float32 bit patterns ending in 0x8000): round to even
    float(np.array([0x3F808000], np.uint32).view(np.float32)[0]),
    float(np.array([0x3F818000], np.uint32).view(np.float32)[0]),
    # ties between float16 neighbours: 1 + 2^-11 and 1 + 3·2^-11
    1.0 + 2.0**-11,
    1.0 + 3 * 2.0**-11,
]
values = np.concatenate([np.array(specials, np.float32), rng.standard_normal(40).astype(np.float32) * 100]).astype(np.float32)
round_trips = {
    "float32": enc(values, "float32"),
    "float16": enc(values, "float16"),
    "bfloat16": enc(values, "bfloat16"),
}

# ---- arithmetic per dtype ------------------------------------------------------------------

arith = []


def case(name, dtype, op, inputs, expected, out_dtype=None, rtol=0.0, atol=0.0, params=None):
    arith.append(
        {
            "name": f"{name} {dtype}",
            "dtype": dtype,
            "op": op,
            "inputs": [enc(v, dtype) for v in inputs],
            "params": params or {},
            "expected": enc(expected, out_dtype or dtype),
            "rtol": rtol,
            "atol": atol,
        }
    )


def float_cases(dtype, rtol):
    a = cast(rng.uniform(-4, 4, (2, 3)), dtype)
    b = cast(rng.uniform(-4, 4, (3,)), dtype)
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    # Reference: exact float64 arithmetic, rounded once to the dtype.
    r = lambda v: cast(np.asarray(v, np.float64).astype(np.float32), dtype)
    A, B = a32.astype(np.float64), b32.astype(np.float64)
    case("add broadcast", dtype, "add", [a, b], r(A + B), rtol=rtol)
    case("subtract broadcast", dtype, "subtract", [a, b], r(A - B), rtol=rtol)
    case("multiply broadcast", dtype, "multiply", [a, b], r(A * B), rtol=rtol)
    case("divide broadcast", dtype, "divide", [a, b], r(A / B), rtol=rtol)
    case("maximum broadcast", dtype, "maximum", [a, b], np.maximum(a, b))
    case("sum axis 1", dtype, "sum", [a], r(A.sum(axis=1)), rtol=rtol, atol=rtol, params={"axis": 1})
    case("equal", dtype, "equal", [a, b], np.equal(a32, b32), out_dtype="bool")
    case("exp", dtype, "exp", [a], r(np.exp(A)), rtol=rtol)


float_cases("float32", 1e-6)
float_cases("float16", 1e-3)  # 1 ulp of float16 is 2^-10 relative
float_cases("bfloat16", 8e-3)  # 1 ulp of bfloat16 is 2^-7 relative


def int_cases(dtype, a, b, sum_dtype):
    np_dtype = np.dtype(dtype)
    a = np.asarray(a, np_dtype)
    b = np.asarray(b, np_dtype)
    with np.errstate(over="ignore"):
        case("add broadcast (wraps)", dtype, "add", [a, b], a + b)
        case("subtract broadcast (wraps)", dtype, "subtract", [a, b], a - b)
        case("multiply broadcast (wraps)", dtype, "multiply", [a, b], a * b)
    case("maximum broadcast", dtype, "maximum", [a, b], np.maximum(a, b))
    case("sum axis 1", dtype, "sum", [a], np.sum(a, axis=1).astype(sum_dtype), out_dtype=sum_dtype, params={"axis": 1})
    case("equal", dtype, "equal", [a, b], np.equal(a, b), out_dtype="bool")


int_cases("int32", [[2147483647, -5, 100], [-2147483648, 0, 7]], [1, -5, 3], "int32")
int_cases("uint8", [[250, 3, 128], [0, 255, 17]], [10, 3, 2], "uint32")
int_cases("uint32", [[4294967295, 3000000000, 7], [0, 1, 65536]], [1, 3000000000, 65536], "uint32")
int_cases("int64", [[2**40 + 3, -(2**41), 5], [2**50, 0, -7]], [2**12, -(2**41), 3], "int64")

ba = np.array([[True, False, True], [False, False, True]])
bb = np.array([True, False, False])
case("add broadcast (logical or)", "bool", "add", [ba, bb], ba | bb)
case("multiply broadcast (logical and)", "bool", "multiply", [ba, bb], ba & bb)
case("maximum broadcast", "bool", "maximum", [ba, bb], np.maximum(ba, bb))
case("sum axis 1", "bool", "sum", [ba], np.sum(ba, axis=1).astype(np.int32), out_dtype="int32", params={"axis": 1})
case("equal", "bool", "equal", [ba, bb], np.equal(ba, bb))

# ---- weak scalars ----------------------------------------------------------------------------

weak = []


def weak_case(dtype, op, data, scalar, expected, out_dtype, scalar_first=False, rtol=0.0):
    weak.append(
        {
            "name": f"{dtype} {op} {scalar}{' (scalar first)' if scalar_first else ''}",
            "op": op,
            "input": enc(data, dtype),
            "scalar": scalar,
            "scalarFirst": scalar_first,
            "expected": enc(expected, out_dtype),
            "rtol": rtol,
        }
    )


h = cast([1.5, -2.25, 1000.0], "float16")
weak_case("float16", "add", h, 0.5, cast(h.astype(np.float32) + 0.5, "float16"), "float16")
weak_case("float16", "multiply", h, 2.5, cast(h.astype(np.float32) * 2.5, "float16"), "float16")
bf = cast([1.5, -2.25, 1000.0], "bfloat16")
weak_case("bfloat16", "multiply", bf, 3, cast(bf.astype(np.float32) * 3, "bfloat16"), "bfloat16")
weak_case("bfloat16", "subtract", bf, 1, cast(1 - bf.astype(np.float32), "bfloat16"), "bfloat16", scalar_first=True)
i32 = np.array([1, -7, 2**30], np.int32)
weak_case("int32", "multiply", i32, 2, (i32 * 2).astype(np.int32), "int32")
weak_case("int32", "add", i32, 0.5, i32.astype(np.float64) + 0.5, "float32")
u8 = np.array([1, 200, 255], np.uint8)
weak_case("uint8", "add", u8, 1, (u8 + np.uint8(1)).astype(np.uint8), "uint8")
weak_case("uint8", "subtract", u8, 255, (np.uint8(255) - u8).astype(np.uint8), "uint8", scalar_first=True)
u32 = np.array([1, 4000000000], np.uint32)
weak_case("uint32", "add", u32, 5, (u32 + np.uint32(5)).astype(np.uint32), "uint32")
i64 = np.array([2**40, -3], np.int64)
weak_case("int64", "multiply", i64, 3, i64 * 3, "int64")
bo = np.array([True, False])
weak_case("bool", "add", bo, 1, bo.astype(np.int32) + 1, "int32")
f32a = np.array([1.0, 2.0], np.float32)
weak_case("float32", "divide", f32a, 3, f32a / np.float32(3), "float32", rtol=1e-7)

payload = {
    "generator": "test/fixtures-gen/make-dtype-fixtures.py",
    "numpy": np.__version__,
    "roundTrips": round_trips,
    "arithmetic": arith,
    "weakScalars": weak,
}
write("dtypes.json", payload)
