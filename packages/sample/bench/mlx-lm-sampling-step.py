# mlx-lm's side of bench/sampling-step.mjs: the same pieces on the same logits, timed the same way.
# Usage: python mlx-lm-sampling-step.py VOCABULARY STEPS  (prints JSON {name: ms per step})
# "withLogSoftmax": the sampler fed logits - logsumexp(logits) each step, as generate_step does,
# the same work as our samplers (they take logits). "onLogprobs": the sampler alone on log-probabilities
# computed once (a lower bound for mlx-lm: it leaves out the log-softmax every step needs).
import json
import sys
import time

import mlx.core as mx
from mlx_lm.sample_utils import make_sampler

vocabulary = int(sys.argv[1])
steps = int(sys.argv[2])
logits = mx.random.normal(shape=(1, vocabulary), key=mx.random.key(0))
mx.eval(logits)
mx.random.seed(1)


def measure(step):
    for _ in range(10):
        mx.eval(step())
    start = time.perf_counter()
    for _ in range(steps):
        mx.eval(step())
    return round((time.perf_counter() - start) / steps * 1000, 3)


logprobs = logits - mx.logsumexp(logits, axis=-1, keepdims=True)
mx.eval(logprobs)

settings = {
    "temperature": dict(temp=0.8),
    "topK40": dict(temp=0.8, top_k=40),
    "topP0.9": dict(temp=0.8, top_p=0.9),
    "minP0.05": dict(temp=0.8, min_p=0.05),
    "topP+minP+xtc+topK": dict(temp=0.8, top_k=40, top_p=0.9, min_p=0.05, xtc_probability=0.5),
}
greedy = make_sampler()
with_log_softmax = {"argmax": measure(lambda: greedy(logits))}
on_logprobs = {"argmax": measure(lambda: greedy(logprobs))}
for name, options in settings.items():
    sampler = make_sampler(**options)
    with_log_softmax[name] = measure(lambda: sampler(logits - mx.logsumexp(logits, axis=-1, keepdims=True)))
    on_logprobs[name] = measure(lambda: sampler(logprobs))
print(json.dumps({"withLogSoftmax": with_log_softmax, "onLogprobs": on_logprobs}))
