"""Writes test/fixtures/fast.json: mx.fast kernels against their textbook formulas in numpy.

- rope: rotary embedding of the first `dims` features, pairs either the two halves
  (traditional=False) or adjacent features (traditional=True); angle (offset + position) · scale ·
  base^(-2i/dims), or (offset + position) · scale / freqs[i] with explicit freqs.
- scaled dot-product attention: softmax(q·kᵀ·scale + mask)·v, with no mask, causal (aligned to the
  bottom right when Lq < Lk), a boolean mask (true attends), an additive mask, grouped-query heads
  (query head h reads kv head h // (Hq / Hkv)) and attention sinks (an extra logit per head).
- rmsNorm and layerNorm over the last axis.

All computed in float64 from the (rounded) inputs, then rounded to the output dtype.

Run: .cache/venv/bin/python packages/mlx-core/test/fixtures-gen/make-fast-fixtures.py
"""

import numpy as np

from common import cast, enc, write

rng = np.random.default_rng(42)


def randn(shape, dtype="float32"):
    return cast(rng.standard_normal(shape), dtype)


def f64(a):
    return np.asarray(a).astype(np.float32).astype(np.float64)


# ---- rope ----------------------------------------------------------------------------------


def rope_ref(x, dims, traditional, base, scale, offsets, freqs=None):
    x = f64(x)
    B, H, L, D = x.shape
    half = dims // 2
    inv = 1.0 / f64(freqs) if freqs is not None else base ** (-np.arange(0, dims, 2, dtype=np.float64) / dims)
    pos = (np.asarray(offsets, np.float64).reshape(-1, 1) + np.arange(L)) * scale  # [B or 1, L]
    theta = pos[:, None, :, None] * inv  # [B or 1, 1, L, half]
    cos, sin = np.cos(theta), np.sin(theta)
    out = x.copy()
    if traditional:
        x1, x2 = x[..., 0:dims:2], x[..., 1:dims:2]
        out[..., 0:dims:2] = x1 * cos - x2 * sin
        out[..., 1:dims:2] = x1 * sin + x2 * cos
    else:
        x1, x2 = x[..., :half], x[..., half:dims]
        out[..., :half] = x1 * cos - x2 * sin
        out[..., half:dims] = x1 * sin + x2 * cos
    return out


rope = []


def rope_case(name, x, dims, traditional, base, scale, offset, offset_is_array=False, freqs=None, dtype="float32", tol=2e-5):
    x = cast(x, dtype)
    offsets = np.asarray(offset)
    options = {"traditional": traditional, "scale": scale}
    if base is not None:
        options["base"] = base
    entry = {
        "name": name,
        "x": enc(x, dtype),
        "dims": dims,
        "options": options,
        "offset": enc(offsets, "int32") if offset_is_array else int(offset),
        "expected": enc(rope_ref(x, dims, traditional, base, scale, offsets, freqs), dtype),
        "atol": tol,
        "rtol": tol,
    }
    if freqs is not None:
        entry["freqs"] = enc(freqs, "float32")
    rope.append(entry)


x = randn((2, 3, 5, 8))
rope_case("halves, offset 0", x, 8, False, 10000.0, 1.0, 0)
rope_case("traditional pairs, offset 3", x, 8, True, 10000.0, 1.0, 3)
rope_case("partial dims 4 of 8, base 500, scale 0.5, offset 2", x, 4, False, 500.0, 0.5, 2)
rope_case("partial traditional dims 6", x, 6, True, 10000.0, 1.0, 1)
rope_case("scalar int32 array offset 7", x, 8, False, 10000.0, 1.0, np.int32(7), offset_is_array=True)
rope_case("per-batch int32 array offsets [1, 4]", x, 8, False, 10000.0, 1.0, np.array([1, 4], np.int32), offset_is_array=True)
rope_case("per-batch array offsets, traditional, scale 0.25", x, 8, True, 10000.0, 0.25, np.array([5, 0], np.int32), offset_is_array=True)
freqs = cast(np.array([1.0, 3.0, 9.0, 27.0]), "float32")
rope_case("explicit freqs", x, 8, False, None, 1.0, 2, freqs=freqs)
rope_case("bfloat16 input stays bfloat16", x, 8, False, 10000.0, 1.0, 4, dtype="bfloat16", tol=2e-2)

# ---- scaled dot-product attention ----------------------------------------------------------


def sdpa_ref(q, k, v, scale, mask=None, causal=False, sinks=None):
    q, k, v = f64(q), f64(k), f64(v)
    B, Hq, Lq, D = q.shape
    Hkv, Lk = k.shape[1], k.shape[2]
    rep = Hq // Hkv
    k = np.repeat(k, rep, axis=1)
    v = np.repeat(v, rep, axis=1)
    logits = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        allowed = np.arange(Lk)[None, :] <= np.arange(Lq)[:, None] + (Lk - Lq)
        logits = np.where(allowed, logits, -np.inf)
    if mask is not None:
        if mask.dtype == np.bool_:
            logits = np.where(mask, logits, -np.inf)
        else:
            logits = logits + f64(mask)
    m = logits.max(axis=-1, keepdims=True)
    if sinks is not None:
        s = f64(sinks).reshape(1, Hq, 1, 1)
        m = np.maximum(m, s)
        e = np.exp(logits - m)
        p = e / (e.sum(axis=-1, keepdims=True) + np.exp(s - m))
    else:
        e = np.exp(logits - m)
        p = e / e.sum(axis=-1, keepdims=True)
    return p @ v


sdpa = []


def sdpa_case(name, B, Hq, Hkv, Lq, Lk, D, mask_kind=None, sinks=False, dtype="float32", tol=2e-5):
    q, k, v = randn((B, Hq, Lq, D), dtype), randn((B, Hkv, Lk, D), dtype), randn((B, Hkv, Lk, D), dtype)
    scale = float(1 / np.sqrt(D))
    entry = {"name": name, "q": enc(q, dtype), "k": enc(k, dtype), "v": enc(v, dtype), "scale": scale, "atol": tol, "rtol": tol}
    mask = None
    if mask_kind == "causal":
        entry["mask"] = "causal"
    elif mask_kind == "bool":
        mask = rng.random((Lq, Lk)) < 0.6
        mask[:, 0] = True  # every query attends somewhere
        entry["mask"] = enc(mask, "bool")
    elif mask_kind == "additive":
        mask = cast(rng.uniform(-3, 0, (1, 1, Lq, Lk)), dtype)
        entry["mask"] = enc(mask, dtype)
    sink_values = None
    if sinks:
        sink_values = randn((Hq,), dtype)
        entry["sinks"] = enc(sink_values, dtype)
    entry["expected"] = enc(sdpa_ref(q, k, v, scale, mask, mask_kind == "causal", sink_values), dtype)
    sdpa.append(entry)


sdpa_case("no mask", 1, 4, 4, 3, 5, 8)
sdpa_case("causal, Lq < Lk (bottom-right aligned)", 1, 4, 4, 3, 5, 8, "causal")
sdpa_case("causal, square", 2, 2, 2, 4, 4, 16, "causal")
sdpa_case("boolean mask", 1, 2, 2, 3, 6, 8, "bool")
sdpa_case("additive mask", 2, 2, 2, 3, 6, 8, "additive")
sdpa_case("grouped-query 6 heads over 2", 1, 6, 2, 3, 5, 8)
sdpa_case("grouped-query causal", 2, 4, 1, 4, 7, 16, "causal")
sdpa_case("single query (decode step)", 1, 4, 2, 1, 9, 64)
sdpa_case("attention sinks", 1, 4, 4, 3, 5, 8, sinks=True)
sdpa_case("float16 stays float16", 1, 2, 2, 3, 5, 8, "causal", dtype="float16", tol=5e-3)

# ---- norms ---------------------------------------------------------------------------------

norms = []


def norm_case(kind, name, x, weight, bias, eps, dtype="float32", tol=1e-5):
    X = f64(x)
    if kind == "rmsNorm":
        y = X / np.sqrt((X**2).mean(axis=-1, keepdims=True) + eps)
    else:
        mu = X.mean(axis=-1, keepdims=True)
        y = (X - mu) / np.sqrt(((X - mu) ** 2).mean(axis=-1, keepdims=True) + eps)
    if weight is not None:
        y = y * f64(weight)
    if bias is not None:
        y = y + f64(bias)
    entry = {"kind": kind, "name": name, "x": enc(x, dtype), "eps": eps, "expected": enc(y, dtype), "atol": tol, "rtol": tol}
    if weight is not None:
        entry["weight"] = enc(weight, dtype)
    if bias is not None:
        entry["bias"] = enc(bias, dtype)
    norms.append(entry)


xn = randn((3, 4, 16)) * 3
w = randn((16,))
b = randn((16,))
norm_case("rmsNorm", "rmsNorm with weight", xn, w, None, 1e-5)
norm_case("rmsNorm", "rmsNorm without weight", xn, None, None, 1e-6)
norm_case("rmsNorm", "rmsNorm bfloat16", cast(xn, "bfloat16"), cast(w, "bfloat16"), None, 1e-5, dtype="bfloat16", tol=2e-2)
norm_case("layerNorm", "layerNorm with weight and bias", xn, w, b, 1e-5)
norm_case("layerNorm", "layerNorm with weight only", xn, w, None, 1e-5)
norm_case("layerNorm", "layerNorm plain", xn, None, None, 1e-5)

write("fast.json", {"generator": "test/fixtures-gen/make-fast-fixtures.py", "numpy": np.__version__, "rope": rope, "sdpa": sdpa, "norms": norms})
