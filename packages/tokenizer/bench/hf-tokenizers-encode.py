"""Times Hugging Face `tokenizers` (Python binding) on the bench corpus: load, then encode line by line
with add_special_tokens=False on one thread. Prints one JSON object.

argv: tokenizer.json path, corpus path (UTF-8, one case per line), repeats
"""
import json
import os
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import tokenizers  # noqa: E402
from tokenizers import Tokenizer  # noqa: E402

path, corpus_path, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
cpu_started = time.process_time()
tok = Tokenizer.from_file(path)
load_seconds = time.perf_counter() - started
load_cpu_seconds = time.process_time() - cpu_started
with open(corpus_path, encoding="utf-8", newline="") as f:
    lines = f.read().split("\n")
best = best_cpu = float("inf")
tokens = 0
for _ in range(repeats):
    started = time.perf_counter()
    cpu_started = time.process_time()
    tokens = 0
    for line in lines:
        tokens += len(tok.encode(line, add_special_tokens=False).ids)
    best = min(best, time.perf_counter() - started)
    best_cpu = min(best_cpu, time.process_time() - cpu_started)
print(json.dumps({
    "version": tokenizers.__version__, "loadSeconds": load_seconds, "loadCpuSeconds": load_cpu_seconds,
    "encodeSeconds": best, "encodeCpuSeconds": best_cpu, "tokens": tokens,
}))
