"""Float64 reference of per-row attention for the batch-cache tests (numpy only).

Run from the repository root (dev only; CI uses the committed output):
    .cache/venv/bin/python packages/cache/fixtures-gen/batch_attention.py

Each row r is its own sequence: its query, key and value at position p come from the same dyadic
formula as test/batch-inputs.ts. The output at (r, p) attends over the row's keys j <= p, and with a
window W over p - W < j <= p only (HF Gemma 3 / mlx-lm's sliding window), so whatever batch the row
ran in, its outputs must equal these.
"""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "batch-attention.json")
ROWS, POSITIONS, HQ, HKV, D, WINDOW = 4, 40, 2, 1, 4, 8
SCALE = D ** -0.5


def block(salt, row, heads):
    p = np.arange(POSITIONS).reshape(1, POSITIONS, 1)
    h = np.arange(heads).reshape(heads, 1, 1)
    d = np.arange(D).reshape(1, 1, D)
    k = p * 131 + row * 71 + h * 17 + d * 7 + salt * 53
    return ((k % 199) - 99).astype(np.float64) / 128.0  # [heads, positions, D]


def attend(q, k, v, window):
    out = np.zeros_like(q)
    groups = HQ // HKV
    for h in range(HQ):
        kh, vh = k[h // groups], v[h // groups]
        for p in range(POSITIONS):
            lo = 0 if window is None else max(0, p - window + 1)
            s = kh[lo : p + 1] @ q[h, p] * SCALE
            w = np.exp(s - s.max())
            out[h, p] = (w / w.sum()) @ vh[lo : p + 1]
    return out


def main():
    result = {"rows": ROWS, "positions": POSITIONS, "Hq": HQ, "Hkv": HKV, "D": D, "window": WINDOW, "scale": SCALE, "full": [], "windowed": []}
    for r in range(ROWS):
        q, k, v = block(2, r, HQ), block(0, r, HKV), block(1, r, HKV)
        result["full"].append(attend(q, k, v, None).reshape(-1).tolist())
        result["windowed"].append(attend(q, k, v, WINDOW).reshape(-1).tolist())
    with open(OUT, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
