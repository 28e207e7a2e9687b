"""Generates the reference fixtures of @mlx-ts/cache with mlx-lm's own cache classes.

Run from the repository root (dev only; CI uses the committed outputs):
    python3 -m venv .cache/cache-oracle-venv
    .cache/cache-oracle-venv/bin/pip install -r packages/cache/fixtures-gen/requirements.txt
    .cache/cache-oracle-venv/bin/python packages/cache/fixtures-gen/generate.py

Inputs are dyadic rationals (k / 128) computed from (position, step, batch, head, feature), so the
TypeScript tests rebuild them bit for bit, and checksums of them add up exactly in float64.
"""
import base64
import json
import os
from importlib.metadata import version

import mlx.core as mx
import numpy as np
from mlx_lm.models.base import create_attention_mask as _unused  # noqa: F401  (pins the import path)
from mlx_lm.models.cache import (
    KVCache,
    QuantizedKVCache,
    RotatingKVCache,
    save_prompt_cache,
)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures")
FULL_DATA_LIMIT = 512


def input_block(kind, start, length, step, B, H, D):
    """Same formula as test/inputs.ts: (k mod 199 - 99) / 128 with k from the coordinates."""
    salt = 0 if kind == "keys" else 1
    pos = np.arange(start, start + length).reshape(1, 1, length, 1)
    b = np.arange(B).reshape(B, 1, 1, 1)
    h = np.arange(H).reshape(1, H, 1, 1)
    d = np.arange(D).reshape(1, 1, 1, D)
    k = pos * 131 + step * 37 + b * 71 + h * 17 + d * 7 + salt * 53
    return ((k % 199) - 99).astype(np.float64) / 128.0


def tensor(x):
    a = np.array(x.astype(mx.float32) if x.dtype != mx.bool_ else x)
    flat = a.reshape(-1).astype(np.float64)
    out = {"shape": list(a.shape)}
    if a.dtype == np.bool_:
        # Packed bits (numpy's packbits: most significant bit first), base64.
        out["bits"] = base64.b64encode(np.packbits(a.reshape(-1)).tobytes()).decode()
        return out
    weights = (np.arange(flat.size) % 7 + 1).astype(np.float64)
    out["sum"] = float(flat.sum())
    out["weightedSum"] = float((flat * weights).sum())
    if flat.size <= FULL_DATA_LIMIT:
        out["data"] = [float(v) for v in flat]
    else:
        out["head"] = [float(v) for v in flat[:32]]
        out["tail"] = [float(v) for v in flat[-32:]]
    return out


def mask_json(m):
    if m is None:
        return None
    if isinstance(m, str):
        return m
    return tensor(m)


def capacity(cache):
    if cache.keys is None:
        return 0
    k = cache.keys[0] if isinstance(cache.keys, tuple) else cache.keys
    return k.shape[2]


def make_cache(spec):
    if spec["type"] == "standard":
        return KVCache()
    if spec["type"] == "rotating":
        return RotatingKVCache(max_size=spec["maxSize"], keep=spec["keep"])
    return QuantizedKVCache(group_size=spec["groupSize"], bits=spec["bits"])


def fetched(cache, spec, k, v):
    if spec["type"] == "quantized":
        deq = lambda t: mx.dequantize(*t, group_size=spec["groupSize"], bits=spec["bits"])
        return deq(k), deq(v)
    return k, v


def run_scenario(name, spec, B, H, D, ops, mask_options, detail=lambda offset, grew: True):
    """detail(offset, grew) says which update steps record their fetched keys/values (file size)."""
    cache = make_cache(spec)
    steps = []
    previous_capacity = 0
    for index, op in enumerate(ops):
        if op[0] == "trim":
            trimmed = cache.trim(op[1])
            steps.append({"op": "trim", "n": op[1], "trimmed": trimmed, "offset": cache.offset})
            continue
        L = op[1]
        masks = []
        for opts in mask_options:
            m = cache.make_mask(L, window_size=opts.get("windowSize"), return_array=opts.get("returnArray", False))
            masks.append({**opts, "mask": mask_json(m)})
        start = cache.offset
        keys = mx.array(input_block("keys", start, L, index, B, H, D).astype(np.float32))
        values = mx.array(input_block("values", start, L, index, B, H, D).astype(np.float32))
        k, v = cache.update_and_fetch(keys, values)
        k, v = fetched(cache, spec, k, v)
        step = {
            "op": "update",
            "length": L,
            "start": start,
            "masks": masks,
            "offset": cache.offset,
            "capacity": capacity(cache),
            "canTrim": cache.is_trimmable(),
        }
        if detail(cache.offset, capacity(cache) != previous_capacity):
            step["keys"] = tensor(k)
            step["values"] = tensor(v)
        previous_capacity = capacity(cache)
        steps.append(step)
    return {"name": name, "cache": spec, "B": B, "H": H, "D": D, "steps": steps}


def update_sequences():
    decode = lambda n: [("update", 1)] * n
    window_masks = [{}, {"returnArray": True}, {"windowSize": 4}, {"windowSize": 8}]
    scenarios = [
        run_scenario(
            "standard: prefill chunks, growth past 256, decode, trim",
            {"type": "standard"}, 1, 2, 4,
            [("update", 5), ("update", 3), *decode(2), ("trim", 3), ("update", 4), ("update", 250), *decode(3), ("update", 300), *decode(2), ("trim", 1000), ("update", 2)],
            [{}, {"returnArray": True}, {"windowSize": 4}],
        ),
        run_scenario(
            "standard: batch of two",
            {"type": "standard"}, 2, 2, 4,
            [("update", 6), *decode(3)],
            [{}, {"windowSize": 4}],
        ),
        run_scenario(
            "rotating: window 8, chunk longer than the window, decode past wrap-around",
            {"type": "rotating", "maxSize": 8, "keep": 0}, 1, 2, 4,
            [("update", 3), ("update", 12), *decode(11), ("update", 5), *decode(4), ("update", 9), *decode(2)],
            window_masks,
        ),
        run_scenario(
            "rotating: window 8 with 2 kept tokens",
            {"type": "rotating", "maxSize": 8, "keep": 2}, 1, 2, 4,
            [("update", 3), ("update", 12), *decode(11), ("update", 5), *decode(4)],
            window_masks,
        ),
        run_scenario(
            "rotating: decode first (growth in place), trim before full, then prefill",
            {"type": "rotating", "maxSize": 8, "keep": 0}, 1, 2, 4,
            [*decode(3), ("trim", 1), *decode(2), ("update", 2), *decode(5), ("update", 4), *decode(9)],
            window_masks,
        ),
        run_scenario(
            "rotating: window 300 grows in steps of 256",
            {"type": "rotating", "maxSize": 300, "keep": 0}, 1, 1, 2,
            [*decode(2), ("update", 3), *decode(255), *decode(50), *decode(3)],
            [{}],
            detail=lambda offset, grew: grew or offset <= 6 or 298 <= offset <= 303 or offset % 64 == 0,
        ),
    ]
    for bits in (4, 8):
        scenarios.append(
            run_scenario(
                f"quantized: {bits} bits, group 32",
                {"type": "quantized", "bits": bits, "groupSize": 32}, 1, 2, 32,
                [("update", 5), ("update", 3), *decode(2), ("trim", 2), *decode(2)],
                [{}, {"windowSize": 4}],
            )
        )
    scenarios.append(
        run_scenario(
            "quantized: 4 bits, group 64, growth past 256",
            {"type": "quantized", "bits": 4, "groupSize": 64}, 1, 1, 64,
            [("update", 250), ("update", 10), *decode(2)],
            [{}],
        )
    )
    return scenarios


def attention_reference():
    """Sliding-window attention over the whole sequence in float64 numpy, the HF Gemma 3 definition:
    query i attends key j when i - window < j <= i."""
    B, Hq, Hkv, D, window = 1, 4, 2, 8, 4
    chunks = [3, 6, 1, 1, 1, 1, 1, 5, 1, 1, 9, 1, 1]
    T = sum(chunks)
    q = input_block("keys", 0, T, 1000, B, Hq, D)
    k = input_block("keys", 0, T, 2000, B, Hkv, D)
    v = input_block("values", 0, T, 3000, B, Hkv, D)
    scale = D ** -0.5
    rep = Hq // Hkv
    k_full = np.repeat(k, rep, axis=1)
    v_full = np.repeat(v, rep, axis=1)
    scores = np.einsum("bhqd,bhkd->bhqk", q, k_full) * scale
    i = np.arange(T)[:, None]
    j = np.arange(T)[None]
    allowed = (j <= i) & (j > i - window)
    scores = np.where(allowed, scores, -np.inf)
    scores = scores - scores.max(-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(-1, keepdims=True)
    out = np.einsum("bhqk,bhkd->bhqd", p, v_full)
    return {
        "B": B, "Hq": Hq, "Hkv": Hkv, "D": D, "window": window, "scale": scale, "chunks": chunks,
        "inputs": {"queries": 1000, "keys": 2000, "values": 3000},
        "output": {"shape": list(out.shape), "data": [float(x) for x in out.reshape(-1)]},
    }


def prompt_cache_file():
    """A small prompt cache written by mlx-lm (one cache of each class, plus an empty one)."""
    B, H, D = 1, 2, 32
    caches = [KVCache(), RotatingKVCache(max_size=8, keep=2), QuantizedKVCache(group_size=32, bits=4), KVCache()]
    lengths = [5, 11, 6]
    for index, (cache, L) in enumerate(zip(caches, lengths)):
        keys = mx.array(input_block("keys", 0, L, index, B, H, D).astype(np.float32))
        values = mx.array(input_block("values", 0, L, index, B, H, D).astype(np.float32))
        cache.update_and_fetch(keys, values)
    # One decode step so the rotating cache wraps and holds a non-trivial _idx.
    keys = mx.array(input_block("keys", 11, 1, 9, B, H, D).astype(np.float32))
    caches[1].update_and_fetch(keys, keys)
    path = os.path.join(OUT, "mlx-lm-prompt-cache.safetensors")
    save_prompt_cache(path, caches, {"model": "fixture", "note": "written by mlx_lm.save_prompt_cache"})
    expected = []
    for spec, cache in zip(["standard", "rotating", "quantized", "standard"], caches):
        entry = {"className": type(cache).__name__, "offset": cache.offset}
        if cache.keys is not None:
            if spec == "quantized":
                k, v = cache.keys_and_values()
                k = mx.dequantize(*k, group_size=32, bits=4)
                v = mx.dequantize(*v, group_size=32, bits=4)
            else:
                k, v = cache.keys_and_values()
            entry["keys"] = tensor(k)
            entry["values"] = tensor(v)
            entry["capacity"] = capacity(cache)
        if spec == "rotating":
            entry.update({"maxSize": cache.max_size, "keep": cache.keep, "idx": cache._idx})
        expected.append(entry)
    arrays, metadata = mx.load(path, return_metadata=True)
    return {
        "file": "mlx-lm-prompt-cache.safetensors",
        "metadata": {"model": "fixture", "note": "written by mlx_lm.save_prompt_cache"},
        "fileMetadata": metadata,
        "tensors": {k: {"shape": list(a.shape), "dtype": str(a.dtype).replace("mlx.core.", "")} for k, a in sorted(arrays.items())},
        "caches": expected,
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    provenance = {"mlx": version("mlx"), "mlx-lm": version("mlx-lm"), "generator": "packages/cache/fixtures-gen/generate.py"}
    outputs = {
        "update-sequences.json": {"provenance": provenance, "scenarios": update_sequences()},
        "sliding-window-attention.json": {"provenance": provenance, **attention_reference()},
        "prompt-cache-file.json": {"provenance": provenance, **prompt_cache_file()},
    }
    for name, content in outputs.items():
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(content, f, separators=(",", ":"))
            f.write("\n")
        print(name, os.path.getsize(os.path.join(OUT, name)), "bytes")


if __name__ == "__main__":
    main()
