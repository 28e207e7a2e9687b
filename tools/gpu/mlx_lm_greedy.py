#!/usr/bin/env python3
"""mlx-lm's greedy ids on a greedy-parity fixture's prompt: an independent implementation of the
same model on the same libmlx, beside ours (tools/gpu/greedy-parity.mjs).

Usage: mlx_lm_greedy.py MODEL_DIR FIXTURE DEVICE DTYPE   (DEVICE: cpu|gpu, DTYPE: float32|bfloat16)
Prints one JSON line: the ids, how many lead ids agree with the fixture's, and each step's margin.
"""
import json
import sys

import mlx.core as mx
from mlx.utils import tree_map
from mlx_lm import load
from mlx_lm.models.cache import make_prompt_cache

folder, fixture_path, device, dtype = sys.argv[1:5]
fixture = json.load(open(fixture_path))
mx.set_default_device(mx.cpu if device == "cpu" else mx.gpu)
model, _ = load(folder)
model.update(tree_map(lambda p: p.astype(getattr(mx, dtype)), model.parameters()))
cache = make_prompt_cache(model)
x, ids, margins = mx.array([fixture["prompt"]]), [], []
for _ in range(len(fixture["greedyIds"])):
    logits = model(x, cache=cache)[0, -1].astype(mx.float32)
    top = mx.topk(logits, 2)
    best = int(mx.argmax(logits).item())
    ids.append(best)
    margins.append(round(float(mx.max(top).item() - mx.min(top).item()), 4))
    x = mx.array([[best]])
agree = next((i for i, (a, b) in enumerate(zip(ids, fixture["greedyIds"])) if a != b), len(ids))
print(json.dumps({"parity": fixture["model"].split(" ")[0].removesuffix("-bf16"), "side": "mlx_lm", "device": device, "dtype": dtype, "prompt": len(fixture["prompt"]), "agree": agree, "of": len(ids), "equal": agree == len(ids), "ids": ids, "margins": margins}))
