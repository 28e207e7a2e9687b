"""mlx-lm's side of packages/backend/bench/gpu-profile.mjs: the same phases with the same marker."""
import json, sys
import mlx.core as mx
from mlx_lm import load
from mlx_lm.models.cache import make_prompt_cache

model, _ = load(sys.argv[1])
vocab = model.args.vocab_size

def ids(rows, length, seed):
    return [[3 + ((i * 7919 + r * 104729 + seed) % min(200000, vocab - 3)) for i in range(length)] for r in range(rows)]

def marker():
    mx.eval(mx.cumsum(mx.ones((1024,)), 0))

def run(rows, length, steps, marked):
    cache = make_prompt_cache(model)
    prompt = mx.array(ids(rows, length, 1 if marked else 2))
    if marked: marker()
    mx.eval(model(prompt[:, :-1], cache=cache))
    tok = mx.argmax(model(prompt[:, -1:], cache=cache)[:, -1, :], -1); mx.eval(tok)
    for _ in range(steps):
        if marked: marker()
        tok = mx.argmax(model(tok.reshape(rows, 1), cache=cache)[:, -1, :], -1); mx.eval(tok)

with mx.stream(mx.new_stream(mx.default_device())):
    run(1, 512, 2, True); run(32, 64, 2, True)
print(json.dumps({"done": True}))
