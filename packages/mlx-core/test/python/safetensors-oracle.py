"""Python's safetensors as the reference reader and writer for the interoperability tests.

  write PATH  writes a file with the numpy API (f32, f16, bf16 via ml_dtypes, i32, u8, i64, u32,
              bool, a scalar) and metadata, and prints what it wrote as JSON
  read PATH   reads a file and prints every tensor (header dtype, shape, raw bytes as hex) and the
              metadata as JSON; tensors numpy can represent are also read through
              safetensors.numpy.load_file and must agree with the raw bytes
"""

import json
import sys

import ml_dtypes
import numpy as np
from safetensors import deserialize, safe_open
from safetensors.numpy import load_file, save_file

METADATA = {"format": "mlx-ts-test", "note": "unicode ✓ and \"quotes\"", "empty": ""}


def describe_raw(path):
    with open(path, "rb") as f:
        raw = f.read()
    tensors = {name: {"dtype": t["dtype"], "shape": list(t["shape"]), "hex": bytes(t["data"]).hex()} for name, t in deserialize(raw)}
    with safe_open(path, framework="np") as f:
        metadata = f.metadata() or {}
    return {"tensors": tensors, "metadata": metadata}


def write(path):
    rng = np.random.default_rng(5)
    tensors = {
        "f32": rng.standard_normal((3, 4)).astype(np.float32),
        "f16": rng.standard_normal((2, 3)).astype(np.float16),
        "bf16": rng.standard_normal((2, 5)).astype(np.float32).astype(ml_dtypes.bfloat16),
        "i32": np.array([-2147483648, -1, 0, 2147483647], np.int32),
        "u8": rng.integers(0, 256, (2, 3, 2)).astype(np.uint8),
        "i64": np.array([[-(2**62), 2**40 + 1], [7, -9]], np.int64),
        "u32": np.array([0, 4294967295, 123456789], np.uint32),
        "mask": np.array([True, False, True]),
        "scalar": np.array(3.5, np.float32),
    }
    save_file(tensors, path, metadata=METADATA)
    print(json.dumps(describe_raw(path)))


def read(path):
    out = describe_raw(path)
    numpy_view = {name: t for name, t in out["tensors"].items() if t["dtype"] != "BF16"}
    if numpy_view:
        with safe_open(path, framework="np") as f:
            for name in numpy_view:
                arr = f.get_tensor(name)
                assert arr.tobytes().hex() == numpy_view[name]["hex"], name
                assert list(arr.shape) == numpy_view[name]["shape"], name
        loaded = load_file(path) if "BF16" not in {t["dtype"] for t in out["tensors"].values()} else None
        if loaded is not None:
            assert set(loaded) == set(out["tensors"])
    print(json.dumps(out))


if __name__ == "__main__":
    {"write": write, "read": read}[sys.argv[1]](sys.argv[2])
