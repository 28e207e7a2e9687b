#!/usr/bin/env python3
"""mlx-lm's side of the GPU bench, on the same folder and prompt ids as ours (packages/backend/bench/gpu.mjs).

single: stream_generate, mlx-lm's own prompt_tps / generation_tps / peak memory, plus TTFT.
batch N: batch_generate of N copies of the prompt, aggregate generated tokens per second.
Usage: mlx_lm_bench.py FOLDER PROMPT_IDS_JSON GEN TRIALS [single|batch:N,...]  (prints one JSON line)
"""
import json
import sys
import time

import mlx.core as mx
from mlx_lm import batch_generate, load, stream_generate

folder, prompt_file, gen, trials = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
mode = sys.argv[5] if len(sys.argv) > 5 else "single"
prompt = json.load(open(prompt_file))
start = time.perf_counter()
model, tokenizer = load(folder)
mx.eval(model.parameters())
load_s = time.perf_counter() - start
tokenizer._eos_token_ids = set()  # generate exactly `gen` tokens, as ours with ignoreEos


def single():
    tic = time.perf_counter()
    first, ids, last = None, [], None
    for last in stream_generate(model, tokenizer, prompt, max_tokens=gen):
        if first is None:
            first = time.perf_counter() - tic
        ids.append(last.token)
    return last, first, ids


out = {"load_s": load_s, "device": str(mx.default_device())}
if mode == "single":
    _, _, first_ids = single()
    runs = []
    for _ in range(trials):
        r, ttft, _ = single()
        runs.append({"prompt_tps": r.prompt_tps, "generation_tps": r.generation_tps, "ttft_ms": ttft * 1000})
    out.update({k: sum(r[k] for r in runs) / len(runs) for k in runs[0]})
    out["first_ids"] = first_ids[:32]
else:
    for size in [int(n) for n in mode.split(":")[1].split(",")]:
        prompts = [prompt[: len(prompt) - i] for i in range(size)]  # distinct lengths, as real traffic
        batch_generate(model, tokenizer, prompts[:2], max_tokens=4)
        tic = time.perf_counter()
        response = batch_generate(model, tokenizer, prompts, max_tokens=gen, return_token_ids=True)
        seconds = time.perf_counter() - tic
        tokens = sum(len(ids) for ids in response.token_ids)
        out[f"batch_{size}"] = {"tokens": tokens, "aggregate_tps": tokens / seconds, "seconds": seconds, "generation_tps": response.stats.generation_tps, "prompt_tps": response.stats.prompt_tps}
out["peak_memory_gb"] = mx.get_peak_memory() / 1e9
print(json.dumps(out))
