"""Writes test/fixtures/ops.json: one numpy-computed case per op of src/ops.ts.

Each case names the op, its inputs (encoded arrays), its parameters, the expected output and a
tolerance. Expected dtypes follow MLX's promotion rules where they differ from numpy's (integer
division gives float32, sums of uint8 give uint32, ...); the values are numpy's, computed in
float64 from the float32 inputs and rounded to the output dtype.

Run: .cache/venv/bin/python packages/mlx-core/test/fixtures-gen/make-op-fixtures.py
"""

import math
import statistics

import numpy as np

from common import cast, enc, write

rng = np.random.default_rng(20261126)
cases = []

F32 = dict(rtol=1e-6, atol=1e-7)  # exact up to float32 rounding of a float64 result
F32_TRANSCENDENTAL = dict(rtol=2e-5, atol=2e-6)


def f32(shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape).astype(np.float32)


def add(name, op, inputs, expected, params=None, rtol=0.0, atol=0.0, out_dtype=None):
    if isinstance(expected, (list, tuple)):
        outputs = [enc(e, out_dtype or e.dtype.name) for e in expected]
    else:
        outputs = enc(expected, out_dtype or np.asarray(expected).dtype.name)
    cases.append(
        {
            "name": name,
            "op": op,
            "inputs": [enc(a, d) for a, d in inputs],
            "params": params or {},
            "expected": outputs,
            "rtol": rtol,
            "atol": atol,
        }
    )


def ref(fn, *arrays, dtype="float32"):
    """fn over float64 copies of the inputs, rounded to dtype."""
    return cast(fn(*[np.asarray(a, dtype=np.float64) for a in arrays]), dtype)


# ---- unary ---------------------------------------------------------------------------------

x = f32((3, 4))
pos = f32((3, 4), 0.1, 4.0)
unit = f32((3, 4), -0.95, 0.95)
halves = np.array([[-2.5, -1.5, -0.5, 0.5], [1.5, 2.5, -1.2, 3.7], [0.0, -0.0, 2.49, -3.51]], dtype=np.float32)
erf = np.vectorize(math.erf)
erfinv = np.vectorize(lambda y: statistics.NormalDist().inv_cdf((y + 1) / 2) / math.sqrt(2))

unary_cases = [
    ("abs", x, np.abs, F32),
    ("negative", x, np.negative, F32),
    ("sign", np.array([[-2.0, 0.0, 3.0, -0.5]], np.float32), np.sign, F32),
    ("floor", halves, np.floor, F32),
    ("ceil", halves, np.ceil, F32),
    ("round", halves, np.round, F32),  # half to even, as numpy
    ("exp", x, np.exp, F32_TRANSCENDENTAL),
    ("expm1", f32((3, 4), -1e-3, 1e-3), np.expm1, F32_TRANSCENDENTAL),
    ("log", pos, np.log, F32_TRANSCENDENTAL),
    ("log1p", f32((3, 4), -1e-3, 1e-3), np.log1p, F32_TRANSCENDENTAL),
    ("log2", pos, np.log2, F32_TRANSCENDENTAL),
    ("log10", pos, np.log10, F32_TRANSCENDENTAL),
    ("sqrt", pos, np.sqrt, F32),
    ("rsqrt", pos, lambda a: 1 / np.sqrt(a), F32_TRANSCENDENTAL),
    ("square", x, np.square, F32),
    ("reciprocal", pos, np.reciprocal, F32),
    ("sin", x, np.sin, F32_TRANSCENDENTAL),
    ("cos", x, np.cos, F32_TRANSCENDENTAL),
    ("tan", unit, np.tan, F32_TRANSCENDENTAL),
    ("tanh", x, np.tanh, F32_TRANSCENDENTAL),
    ("sinh", x, np.sinh, F32_TRANSCENDENTAL),
    ("cosh", x, np.cosh, F32_TRANSCENDENTAL),
    ("arcsin", unit, np.arcsin, F32_TRANSCENDENTAL),
    ("arccos", unit, np.arccos, F32_TRANSCENDENTAL),
    ("arctan", x, np.arctan, F32_TRANSCENDENTAL),
    ("sigmoid", x, lambda a: 1 / (1 + np.exp(-a)), F32_TRANSCENDENTAL),
    ("erf", x, erf, F32_TRANSCENDENTAL),
    ("erfinv", unit, erfinv, dict(rtol=1e-4, atol=1e-5)),
    ("stopGradient", x, lambda a: a, F32),
    ("copy", x, lambda a: a, F32),
    ("zerosLike", x, np.zeros_like, F32),
    ("onesLike", x, np.ones_like, F32),
]
for name, data, fn, tol in unary_cases:
    add(f"{name} float32", name, [(data, "float32")], ref(fn, data), **tol)

# contiguous of a transposed view keeps the values in the transposed order
add("contiguous of a transpose", "contiguousOfTranspose", [(x, "float32")], x.T.copy())

special = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -3.0], np.float32)
add("isnan", "isnan", [(special, "float32")], np.isnan(special))
add("isinf", "isinf", [(special, "float32")], np.isinf(special))
add("isfinite", "isfinite", [(special, "float32")], np.isfinite(special))
b1 = np.array([[True, False, True], [False, False, True]])
add("logicalNot", "logicalNot", [(b1, "bool")], np.logical_not(b1))
xi = np.array([-5, -1, 0, 3, 7, -2147483647], np.int32)
add("abs int32", "abs", [(xi, "int32")], np.abs(xi))
add("negative int32", "negative", [(xi, "int32")], np.negative(xi))
add("square int32", "square", [(xi[:5], "int32")], np.square(xi[:5]))

# ---- binary (with broadcasting) ------------------------------------------------------------

a = f32((2, 3))
bvec = f32((3,))
bcol = f32((2, 1))
bpos = f32((2, 3), 0.5, 2.0)
binary_float = [
    ("add", np.add, F32),
    ("subtract", np.subtract, F32),
    ("multiply", np.multiply, F32),
    ("divide", np.divide, F32),
    ("maximum", np.maximum, F32),
    ("minimum", np.minimum, F32),
    ("arctan2", np.arctan2, F32_TRANSCENDENTAL),
    ("logaddexp", np.logaddexp, F32_TRANSCENDENTAL),
]
for name, fn, tol in binary_float:
    add(f"{name} [2,3]x[3]", name, [(a, "float32"), (bvec, "float32")], ref(fn, a, bvec), **tol)
    add(f"{name} [2,3]x[2,1]", name, [(a, "float32"), (bcol, "float32")], ref(fn, a, bcol), **tol)
add("power", "power", [(bpos, "float32"), (a, "float32")], ref(np.power, bpos, a), **F32_TRANSCENDENTAL)

cmp_b = a.copy()
cmp_b[0, 1] = a[0, 1]
cmp_b[1, :] = f32((3,))
for name, fn in [
    ("equal", np.equal),
    ("notEqual", np.not_equal),
    ("less", np.less),
    ("lessEqual", np.less_equal),
    ("greater", np.greater),
    ("greaterEqual", np.greater_equal),
]:
    add(f"{name} float32", name, [(a, "float32"), (cmp_b, "float32")], fn(a, cmp_b))
    add(f"{name} broadcast [2,3]x[3]", name, [(a, "float32"), (bvec, "float32")], fn(a, bvec))

b2 = np.array([[True, True, False], [False, True, False]])
add("logicalAnd", "logicalAnd", [(b1, "bool"), (b2, "bool")], np.logical_and(b1, b2))
add("logicalOr", "logicalOr", [(b1, "bool"), (b2, "bool")], np.logical_or(b1, b2))

num = np.array([-7, 7, -7, 7, 9, -9], np.int32)
den = np.array([2, 2, -2, -2, 4, 5], np.int32)
add("floorDivide int32", "floorDivide", [(num, "int32"), (den, "int32")], np.floor_divide(num, den))
add("remainder int32", "remainder", [(num, "int32"), (den, "int32")], np.remainder(num, den))
fnum = np.array([-7.5, 7.5, -7.0, 7.0, 0.25], np.float32)
fden = np.array([2.0, -2.0, -2.5, 2.5, 0.5], np.float32)
add("floorDivide float32", "floorDivide", [(fnum, "float32"), (fden, "float32")], ref(np.floor_divide, fnum, fden), **F32)
add("remainder float32", "remainder", [(fnum, "float32"), (fden, "float32")], ref(np.remainder, fnum, fden), **F32)
add("divide int32 gives float32", "divide", [(num, "int32"), (den, "int32")], ref(np.divide, num, den), **F32)
add("power int32", "power", [(np.array([2, 3, -2, 5], np.int32), "int32"), (np.array([3, 2, 3, 0], np.int32), "int32")], np.array([8, 9, -8, 1], np.int32))

bi = np.array([0b1100, 0b1010, 255, 0x7FFF0000], np.int32)
bj = np.array([0b1010, 0b0110, 15, 0x00FF00FF], np.int32)
add("bitwiseAnd int32", "bitwiseAnd", [(bi, "int32"), (bj, "int32")], np.bitwise_and(bi, bj))
add("bitwiseOr int32", "bitwiseOr", [(bi, "int32"), (bj, "int32")], np.bitwise_or(bi, bj))
add("bitwiseXor int32", "bitwiseXor", [(bi, "int32"), (bj, "int32")], np.bitwise_xor(bi, bj))
bu = np.array([1, 3, 0xF0, 0x80], np.uint8)
su = np.array([1, 2, 3, 1], np.uint8)
add("bitwiseAnd uint8", "bitwiseAnd", [(bu, "uint8"), (su, "uint8")], np.bitwise_and(bu, su))
add("leftShift uint8 (wraps)", "leftShift", [(bu, "uint8"), (su, "uint8")], np.left_shift(bu, su))
add("rightShift uint8", "rightShift", [(bu, "uint8"), (su, "uint8")], np.right_shift(bu, su))
su32 = np.array([0xF0000000, 12345678, 1, 0xFFFFFFFF], np.uint32)
sh32 = np.array([4, 3, 31, 16], np.uint32)
add("leftShift uint32", "leftShift", [(su32, "uint32"), (sh32, "uint32")], np.left_shift(su32, sh32))
add("rightShift uint32", "rightShift", [(su32, "uint32"), (sh32, "uint32")], np.right_shift(su32, sh32))

# ---- reductions ----------------------------------------------------------------------------

r = f32((3, 4, 5))
for name, fn, tol in [
    ("sum", np.sum, dict(rtol=1e-5, atol=1e-5)),
    ("mean", np.mean, dict(rtol=1e-5, atol=1e-6)),
    ("max", np.max, F32),
    ("min", np.min, F32),
    ("variance", np.var, dict(rtol=1e-5, atol=1e-6)),
    ("std", np.std, dict(rtol=1e-5, atol=1e-6)),
    ("logsumexp", lambda v, axis=None, keepdims=False: np.log(np.sum(np.exp(v), axis=axis, keepdims=keepdims)), F32_TRANSCENDENTAL),
]:
    add(f"{name} all", name, [(r, "float32")], ref(lambda v: fn(v), r), **tol)
    add(f"{name} axis 1", name, [(r, "float32")], ref(lambda v: fn(v, axis=1), r), params={"axis": 1}, **tol)
    add(
        f"{name} axes [0,2] keepdims",
        name,
        [(r, "float32")],
        ref(lambda v: fn(v, axis=(0, 2), keepdims=True), r),
        params={"axis": [0, 2], "keepdims": True},
        **tol,
    )
    add(f"{name} axis -1", name, [(r, "float32")], ref(lambda v: fn(v, axis=-1), r), params={"axis": -1}, **tol)
pr = f32((3, 4), 0.5, 1.5)
add("prod axis 0", "prod", [(pr, "float32")], ref(lambda v: np.prod(v, axis=0), pr), params={"axis": 0}, rtol=1e-5)
add("prod all", "prod", [(pr, "float32")], ref(np.prod, pr), rtol=1e-5)
ball = np.array([[True, True, False], [True, True, True]])
add("all axis 1", "all", [(ball, "bool")], np.all(ball, axis=1), params={"axis": 1})
add("all", "all", [(ball, "bool")], np.all(ball))
add("any axis 0", "any", [(~ball, "bool")], np.any(~ball, axis=0), params={"axis": 0})
add("any", "any", [(np.zeros((2, 2), bool), "bool")], np.any(np.zeros((2, 2), bool)))
ri = rng.integers(-100, 100, size=(4, 6)).astype(np.int32)
add("sum int32 axis 1", "sum", [(ri, "int32")], np.sum(ri, axis=1).astype(np.int32), params={"axis": 1})
add("max int32", "max", [(ri, "int32")], np.max(ri))
add("mean int32 gives float32", "mean", [(ri, "int32")], ref(np.mean, ri), rtol=1e-6)
ru = rng.integers(0, 256, size=(3, 5)).astype(np.uint8)
add("sum uint8 gives uint32", "sum", [(ru, "uint8")], np.sum(ru, axis=1).astype(np.uint32), params={"axis": 1})
add("sum bool gives int32", "sum", [(ball, "bool")], np.sum(ball).astype(np.int32))

am = rng.permutation(60).reshape(3, 4, 5).astype(np.float32)
add("argmax all", "argmax", [(am, "float32")], np.argmax(am).astype(np.uint32))
add("argmax axis 1", "argmax", [(am, "float32")], np.argmax(am, axis=1).astype(np.uint32), params={"axis": 1})
add("argmin axis -1 keepdims", "argmin", [(am, "float32")], np.argmin(am, axis=-1, keepdims=True).astype(np.uint32), params={"axis": -1, "keepdims": True})

# ---- linear algebra ------------------------------------------------------------------------

ma = f32((3, 4))
mb = f32((4, 5))
mbat = f32((2, 3, 4))
mc = f32((3, 5))
MM = dict(rtol=1e-5, atol=1e-5)
add("matmul [3,4]x[4,5]", "matmul", [(ma, "float32"), (mb, "float32")], ref(np.matmul, ma, mb), **MM)
add("matmul batched [2,3,4]x[4,5]", "matmul", [(mbat, "float32"), (mb, "float32")], ref(np.matmul, mbat, mb), **MM)
vec4 = f32((4,))
add("matmul vector [4]x[4,5]", "matmul", [(vec4, "float32"), (mb, "float32")], ref(np.matmul, vec4, mb), **MM)
add(
    "addmm alpha 0.5 beta 2",
    "addmm",
    [(mc, "float32"), (ma, "float32"), (mb, "float32")],
    ref(lambda c, p, q: 0.5 * (p @ q) + 2 * c, mc, ma, mb),
    params={"alpha": 0.5, "beta": 2},
    **MM,
)
add("outer", "outer", [(vec4, "float32"), (bvec, "float32")], ref(np.outer, vec4, bvec), **F32)

# ---- dtype and shape -----------------------------------------------------------------------

s = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
add("astype float32 to int32 truncates", "astype", [(halves, "float32")], halves.astype(np.int32), params={"dtype": "int32"})
add("astype int32 to float16", "astype", [(xi[:5], "int32")], cast(xi[:5], "float16"), params={"dtype": "float16"})
add("astype float32 to uint8", "astype", [(np.array([0, 1.9, 200, 255], np.float32), "float32")], np.array([0, 1, 200, 255], np.uint8), params={"dtype": "uint8"})
add("astype float32 to bool", "astype", [(special[[0, 2, 4, 5]], "float32")], special[[0, 2, 4, 5]].astype(bool), params={"dtype": "bool"})
add("reshape with -1", "reshape", [(s, "float32")], s.reshape(4, -1), params={"shape": [4, -1]})
add("flatten", "flatten", [(s, "float32")], s.reshape(-1))
add("flatten axes 1..2", "flatten", [(s, "float32")], s.reshape(2, 12), params={"start": 1, "end": 2})
add("transpose", "transpose", [(s, "float32")], s.transpose())
add("transpose axes [1,0,2]", "transpose", [(s, "float32")], s.transpose(1, 0, 2), params={"axes": [1, 0, 2]})
add("swapaxes 0 2", "swapaxes", [(s, "float32")], np.swapaxes(s, 0, 2), params={"axis1": 0, "axis2": 2})
add("moveaxis 0 to -1", "moveaxis", [(s, "float32")], np.moveaxis(s, 0, -1), params={"source": 0, "destination": -1})
add("expandDims 1", "expandDims", [(s, "float32")], np.expand_dims(s, 1), params={"axis": 1})
add("expandDims [0, 3]", "expandDims", [(s, "float32")], np.expand_dims(s, (0, 3)), params={"axis": [0, 3]})
sq = s.reshape(2, 1, 3, 1, 4)
add("squeeze all", "squeeze", [(sq, "float32")], np.squeeze(sq))
add("squeeze axis 3", "squeeze", [(sq, "float32")], np.squeeze(sq, axis=3), params={"axis": 3})
add("broadcastTo", "broadcastTo", [(bvec, "float32")], np.broadcast_to(bvec, (2, 4, 3)), params={"shape": [2, 4, 3]})

# ---- slicing and indexing ------------------------------------------------------------------

m = np.arange(48, dtype=np.float32).reshape(6, 8)
add("slice with strides", "slice", [(m, "float32")], m[1:5:2, 0:8:3], params={"start": [1, 0], "stop": [5, 8], "strides": [2, 3]})
add("slice", "slice", [(m, "float32")], m[2:4, 3:7], params={"start": [2, 3], "stop": [4, 7]})
add(
    "sliceDynamic",
    "sliceDynamic",
    [(m, "float32"), (np.array([3], np.int32), "int32")],
    m[:, 3:5],
    params={"axes": [1], "sizes": [6, 2]},
)
upd = -np.ones((2, 3), np.float32)
m2 = m.copy()
m2[1:3, 2:5] = upd
add("sliceUpdate", "sliceUpdate", [(m, "float32"), (upd, "float32")], m2, params={"start": [1, 2], "stop": [3, 5]})
m3 = m.copy()
m3[4:6, :] = -np.ones((2, 8), np.float32)
add(
    "sliceUpdateDynamic",
    "sliceUpdateDynamic",
    [(m, "float32"), (-np.ones((2, 8), np.float32), "float32"), (np.array([4], np.int32), "int32")],
    m3,
    params={"axes": [0]},
)
c1 = f32((2, 3))
c2 = f32((1, 3))
c3 = f32((2, 3))
add("concatenate axis 0", "concatenate", [(c1, "float32"), (c2, "float32")], np.concatenate([c1, c2], 0), params={"axis": 0})
add("concatenate axis 1", "concatenate", [(c1, "float32"), (c3, "float32")], np.concatenate([c1, c3], 1), params={"axis": 1})
add("stack axis 0", "stack", [(c1, "float32"), (c3, "float32")], np.stack([c1, c3], 0), params={"axis": 0})
add("stack axis -1", "stack", [(c1, "float32"), (c3, "float32")], np.stack([c1, c3], -1), params={"axis": -1})
add("split 3 sections axis 1", "split", [(m, "float32")], np.split(m, 2, axis=1), params={"sections": 2, "axis": 1})
add("split at indices", "split", [(m, "float32")], np.split(m, [1, 4], axis=0), params={"sections": [1, 4], "axis": 0})
idx = np.array([[0, 5], [2, 2]], np.int32)
add("take flat", "take", [(m, "float32"), (idx, "int32")], np.take(m, idx))
add("take axis 1", "take", [(m, "float32"), (np.array([7, 0, 3], np.int32), "int32")], np.take(m, [7, 0, 3], axis=1), params={"axis": 1})
add("take scalar index axis 0", "takeScalar", [(m, "float32")], m[4], params={"index": 4, "axis": 0})
tai = rng.integers(0, 8, size=(6, 2)).astype(np.int32)
add("takeAlongAxis", "takeAlongAxis", [(m, "float32"), (tai, "int32")], np.take_along_axis(m, tai, axis=1), params={"axis": 1})
pai = np.array([[1], [0], [7], [3], [3], [5]], np.int32)
pv = -np.arange(6, dtype=np.float32).reshape(6, 1) - 1
mp = m.copy()
np.put_along_axis(mp, pai, pv, axis=1)
add("putAlongAxis", "putAlongAxis", [(m, "float32"), (pai, "int32"), (pv, "float32")], mp, params={"axis": 1})
cond = np.array([[True, False, True], [False, False, True]])
add("where", "where", [(cond, "bool"), (a, "float32"), (bvec, "float32")], np.where(cond, a, bvec))
add("where scalars", "whereScalars", [(cond, "bool")], np.where(cond, 1.5, -2.0).astype(np.float32), params={"x": 1.5, "y": -2})

# ---- softmax, scans, sorting ---------------------------------------------------------------

sm = f32((3, 5), -4, 4)
softmax = lambda v, axis=-1: np.exp(v - v.max(axis=axis, keepdims=True)) / np.exp(v - v.max(axis=axis, keepdims=True)).sum(axis=axis, keepdims=True)
add("softmax last axis", "softmax", [(sm, "float32")], ref(softmax, sm), params={"axis": -1}, **F32_TRANSCENDENTAL)
add("softmax axis 0 precise", "softmax", [(sm, "float32")], ref(lambda v: softmax(v, 0), sm), params={"axis": 0, "precise": True}, **F32_TRANSCENDENTAL)

cs = f32((3, 4), 0.5, 1.5)
add("cumsum axis 1", "cumsum", [(cs, "float32")], ref(lambda v: np.cumsum(v, axis=1), cs), params={"axis": 1}, **F32)
add("cumsum flat", "cumsum", [(cs, "float32")], ref(lambda v: np.cumsum(v), cs), **dict(rtol=1e-6, atol=1e-6))
add(
    "cumsum reverse",
    "cumsum",
    [(cs, "float32")],
    ref(lambda v: np.flip(np.cumsum(np.flip(v, 1), axis=1), 1), cs),
    params={"axis": 1, "reverse": True},
    **F32,
)
add(
    "cumsum exclusive",
    "cumsum",
    [(cs, "float32")],
    ref(lambda v: np.cumsum(v, axis=1) - v, cs),
    params={"axis": 1, "inclusive": False},
    rtol=1e-6,
    atol=1e-6,
)
add("cumprod axis 0", "cumprod", [(cs, "float32")], ref(lambda v: np.cumprod(v, axis=0), cs), params={"axis": 0}, **F32)
add("cummax axis 1", "cummax", [(x, "float32")], np.maximum.accumulate(x, axis=1), params={"axis": 1})
add("cummin axis 1", "cummin", [(x, "float32")], np.minimum.accumulate(x, axis=1), params={"axis": 1})

so = f32((3, 6))
add("sort last axis", "sort", [(so, "float32")], np.sort(so, axis=-1))
add("sort axis 0", "sort", [(so, "float32")], np.sort(so, axis=0), params={"axis": 0})
add("argsort last axis", "argsort", [(so, "float32")], np.argsort(so, axis=-1).astype(np.uint32))
add("sort int32", "sort", [(ri, "int32")], np.sort(ri, axis=-1))
# partition's order inside each side is unspecified: tests check the partition property.
add("partition kth 2", "partition", [(so, "float32")], np.sort(so, axis=-1), params={"kth": 2})
add("argpartition kth 3", "argpartition", [(so, "float32")], np.sort(so, axis=-1), params={"kth": 3})
add("topk 3 (unordered)", "topk", [(so, "float32")], np.sort(so, axis=-1)[:, -3:], params={"k": 3})
add("clip both", "clip", [(x, "float32")], np.clip(x, -0.5, 0.75), params={"min": -0.5, "max": 0.75})
add("clip min only", "clip", [(x, "float32")], np.maximum(x, 0), params={"min": 0})
add("clip max only", "clip", [(x, "float32")], np.minimum(x, 0.25).astype(np.float32), params={"max": 0.25})
lo = f32((4,), -1, 0)
hi = f32((4,), 0, 1)
add("clip array bounds", "clipArrays", [(x, "float32"), (lo, "float32"), (hi, "float32")], np.clip(x, lo, hi))

# ---- constructors --------------------------------------------------------------------------

add("zeros int32", "zeros", [], np.zeros((2, 3), np.int32), params={"shape": [2, 3], "dtype": "int32"})
add("ones float32", "ones", [], np.ones((3,), np.float32), params={"shape": [3]})
add("full scalar", "full", [], np.full((2, 2), 2.5, np.float32), params={"shape": [2, 2], "value": 2.5})
add("full int32 dtype", "full", [], np.full((3,), 7, np.int32), params={"shape": [3], "value": 7, "dtype": "int32"})
add("full with an array value", "fullArray", [(bvec, "float32")], np.broadcast_to(bvec, (2, 3)), params={"shape": [2, 3]})
add("arange stop", "arange", [], np.arange(5, dtype=np.int32), params={"args": [5]})
add("arange start stop step", "arange", [], np.arange(2, 11, 3, dtype=np.int32), params={"args": [2, 11, 3]})
add("arange float step", "arange", [], np.arange(0, 2, 0.25, dtype=np.float32), params={"args": [0, 2, 0.25]})
add("arange negative step", "arange", [], np.arange(5, -3, -2, dtype=np.int32), params={"args": [5, -3, -2]})
add("linspace", "linspace", [], np.linspace(-1, 2, 7, dtype=np.float32), params={"start": -1, "stop": 2, "num": 7}, **F32)
add("eye", "eye", [], np.eye(3, dtype=np.float32), params={"n": 3})
add("eye 3x5 k=1", "eye", [], np.eye(3, 5, 1, dtype=np.float32), params={"n": 3, "m": 5, "k": 1})
add("tri 4x3 k=-1", "tri", [], np.tri(4, 3, -1, dtype=np.float32), params={"n": 4, "m": 3, "k": -1})
add("tril", "tril", [(m, "float32")], np.tril(m))
add("tril k=2", "tril", [(m, "float32")], np.tril(m, 2), params={"k": 2})
add("triu k=-1", "triu", [(m, "float32")], np.triu(m, -1), params={"k": -1})
add("pad every axis", "pad", [(c1, "float32")], np.pad(c1, ((1, 0), (2, 1)), constant_values=9), params={"widths": [[1, 0], [2, 1]], "value": 9})
add("pad one pair", "pad", [(c1, "float32")], np.pad(c1, ((1, 1), (1, 1))), params={"widths": [1, 1]})
add("repeat axis 1", "repeat", [(c1, "float32")], np.repeat(c1, 2, axis=1), params={"repeats": 2, "axis": 1})
add("repeat flat", "repeat", [(c1, "float32")], np.repeat(c1, 3), params={"repeats": 3})
add("tile", "tile", [(c1, "float32")], np.tile(c1, (2, 3)), params={"reps": [2, 3]})

# ---- comparisons of whole arrays, dependencies ---------------------------------------------

near = (a + np.float32(1e-7)).astype(np.float32)
far = a.copy()
far[1, 2] += np.float32(1e-2)
add("isclose", "isclose", [(a, "float32"), (far, "float32")], np.isclose(a, far, rtol=1e-5, atol=1e-8))
add("isclose atol", "isclose", [(a, "float32"), (far, "float32")], np.isclose(a, far, rtol=0, atol=0.1), params={"rtol": 0, "atol": 0.1})
add("allclose true", "allclose", [(a, "float32"), (near, "float32")], np.array(np.allclose(a, near, rtol=1e-5, atol=1e-6)), params={"atol": 1e-6})
add("allclose false", "allclose", [(a, "float32"), (far, "float32")], np.array(np.allclose(a, far)))
nan2 = np.array([np.nan, 1.0], np.float32)
add("isclose equalNan", "isclose", [(nan2, "float32"), (nan2, "float32")], np.isclose(nan2, nan2, equal_nan=True), params={"equalNan": True})
add("depends is identity on its inputs", "depends", [(a, "float32"), (bvec, "float32")], [a])

write("ops.json", {"generator": "test/fixtures-gen/make-op-fixtures.py", "numpy": np.__version__, "cases": cases})
