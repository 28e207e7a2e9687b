#!/usr/bin/env python3
"""mlx_lm.load on each folder given, best of N (seconds, weights evaluated): one JSON line per folder."""
import json
import sys
import time

import mlx.core as mx
import mlx_lm

rounds = int(sys.argv[1])
mx.set_default_device(mx.cpu)
for folder in sys.argv[2:]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        model, _ = mlx_lm.load(folder)
        mx.eval(model.parameters())
        times.append(time.perf_counter() - start)
        del model
    print(json.dumps({"folder": folder, "seconds": times}), flush=True)
