"""The anchor side of the generation bench: mlx-lm's stream_generate on the same weights, the
same prompt token ids and the same libmlx, timed the way mlx_lm.benchmark times it.

Usage: python mlx_lm_anchor.py MODEL_DIR PROMPT_IDS_JSON GENERATION_TOKENS TRIALS [float32|native]
Prints one JSON object (averages over the trials, after one warm-up run).
"""
import json
import sys
import time

import mlx.core as mx
from mlx_lm import load, stream_generate

model_dir, prompt_file, generation_tokens, trials = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
dtype = sys.argv[5] if len(sys.argv) > 5 else "float32"
prompt = json.load(open(prompt_file))

model, tokenizer = load(model_dir)
if dtype == "float32":
    model.set_dtype(mx.float32)
    mx.eval(model.parameters())
tokenizer._eos_token_ids = {}  # as mlx_lm.benchmark: never stop early


def run():
    tic = time.perf_counter()
    first = None
    for response in stream_generate(model, tokenizer, prompt, max_tokens=generation_tokens):
        if first is None:
            first = time.perf_counter() - tic
    return response, first


run()
results = []
for _ in range(trials):
    response, ttft = run()
    results.append(
        {
            "prompt_tps": response.prompt_tps,
            "generation_tps": response.generation_tps,
            "ttft_ms": ttft * 1000,
            "generation_tokens": response.generation_tokens,
        }
    )
avg = {k: sum(r[k] for r in results) / len(results) for k in results[0]}
avg["peak_memory_gb"] = mx.get_peak_memory() / 1e9
avg["mlx"] = mx.__version__
print(json.dumps(avg))
