"""Encoding shared by the fixture generators: arrays as {dtype, shape, data[, bits]} in JSON.

Reference values come from numpy (and ml_dtypes for bfloat16), never from MLX. Non-finite floats
are written as the strings "nan", "inf" and "-inf" (JSON has no literal for them). float16 and
bfloat16 arrays carry their raw bits too, so tests can build inputs from Uint16Array data and
compare bit patterns exactly.
"""

import json
import math
import os

import ml_dtypes
import numpy as np

BF16 = ml_dtypes.bfloat16
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(os.path.dirname(HERE), "fixtures")

NUMPY_DTYPES = {
    "bool": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "bfloat16": BF16,
}


def cast(values, dtype):
    """values (any numpy array or list) rounded to dtype the way numpy / ml_dtypes round."""
    arr = np.asarray(values)
    if dtype == "bfloat16":
        return arr.astype(np.float32).astype(BF16)
    return arr.astype(NUMPY_DTYPES[dtype])


def _scalar(v, dtype):
    if dtype == "bool":
        return bool(v)
    if dtype in ("float16", "float32", "float64", "bfloat16"):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    return int(v)


def enc(values, dtype):
    """The JSON form of an array of the given dtype (values are cast to it first)."""
    arr = cast(values, dtype)
    flat = arr.reshape(-1)
    out = {"dtype": dtype, "shape": list(arr.shape), "data": [_scalar(v, dtype) for v in flat.tolist()]}
    if dtype in ("float16", "bfloat16"):
        out["bits"] = [int(b) for b in arr.view(np.uint16).reshape(-1)]
        out["data"] = [_scalar(v, dtype) for v in arr.astype(np.float32).reshape(-1).tolist()]
    return out


def write(name, payload):
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")
