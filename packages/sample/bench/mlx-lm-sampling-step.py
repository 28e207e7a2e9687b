# mlx-lm's side of bench/sampling-step.mjs: the same settings on the same logits, timed the same way.
# Reads "VARIANT SETTING STEPS" lines on stdin, answers each with per-step milliseconds as JSON
# {"wall": [...], "cpu": [...]} (cpu: the process's CPU time, all threads).
# VARIANT "withLogSoftmax": the sampler fed logits - logsumexp(logits) each step, as generate_step
# does: the same work as our samplers, which take logits. "onLogprobs": the sampler alone on
# log-probabilities computed once (a lower bound: it leaves out the log-softmax every step needs).
# argmax always runs on the logits (greedy needs no log-softmax). Usage: python this.py VOCABULARY
import json
import sys
import time

import mlx.core as mx
from mlx_lm.sample_utils import make_sampler

vocabulary = int(sys.argv[1])
logits = mx.random.normal(shape=(1, vocabulary), key=mx.random.key(0))
logprobs = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
mx.eval(logits, logprobs)
mx.random.seed(1)

samplers = {
    "argmax": make_sampler(),
    "temperature": make_sampler(temp=0.8),
    "topK40": make_sampler(temp=0.8, top_k=40),
    "topP0.9": make_sampler(temp=0.8, top_p=0.9),
    "minP0.05": make_sampler(temp=0.8, min_p=0.05),
    "topP+minP+xtc+topK": make_sampler(temp=0.8, top_k=40, top_p=0.9, min_p=0.05, xtc_probability=0.5),
}


def step_of(variant, name):
    sampler = samplers[name]
    if name == "argmax":
        return lambda: sampler(logits)
    if variant == "onLogprobs":
        return lambda: sampler(logprobs)
    return lambda: sampler(logits - mx.logsumexp(logits, axis=-1, keepdims=True))


for line in sys.stdin:
    variant, name, steps = line.split()
    step = step_of(variant, name)
    for _ in range(3):
        mx.eval(step())
    wall, cpu = [], []
    for _ in range(int(steps)):
        start, start_cpu = time.perf_counter(), time.process_time()
        mx.eval(step())
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)
