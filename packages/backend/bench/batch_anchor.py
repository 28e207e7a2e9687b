"""The anchor side of the batch bench: mlx-lm's BatchGenerator (what batch_generate runs) on the
same weights, prompt ids and libmlx, with every prompt inserted at once.

Usage: python batch_anchor.py MODEL_DIR PROMPTS_JSON GENERATION_TOKENS STREAMS_CSV [float32|native]
Prints one JSON object: per stream count, aggregate tok/s, TTFT and inter-token latency p50/p99.
"""
import json
import sys
import time

import mlx.core as mx
from mlx_lm import load
from mlx_lm.generate import BatchGenerator

model_dir, prompt_file, generation_tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
streams = [int(s) for s in sys.argv[4].split(",")]
dtype = sys.argv[5] if len(sys.argv) > 5 else "float32"
prompts = json.load(open(prompt_file))

model, tokenizer = load(model_dir)
if dtype == "float32":
    model.set_dtype(mx.float32)
    mx.eval(model.parameters())


def percentile(values, p):
    if not values:
        return 0.0
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def run(n):
    gen = BatchGenerator(model, max_tokens=generation_tokens, completion_batch_size=max(n, 1), prefill_batch_size=min(n, 8))
    tic = time.perf_counter()
    uids = gen.insert(prompts[:n], [generation_tokens] * n)
    times = {uid: [] for uid in uids}
    while responses := gen.next_generated():
        now = time.perf_counter()
        for r in responses:
            times[r.uid].append(now)
    wall = time.perf_counter() - tic
    gen.close()
    total = sum(len(t) for t in times.values())
    ttft = [(t[0] - tic) * 1000 for t in times.values() if t]
    itl = [(b - a) * 1000 for t in times.values() for a, b in zip(t, t[1:])]
    return {
        "streams": n,
        "aggregate_tps": total / wall,
        "generated_tokens": total,
        "ttft_ms_p50": percentile(ttft, 50),
        "ttft_ms_p99": percentile(ttft, 99),
        "itl_ms_p50": percentile(itl, 50),
        "itl_ms_p99": percentile(itl, 99),
    }


run(1)  # warm-up
print(json.dumps({"mlx": mx.__version__, "results": [run(n) for n in streams]}))
