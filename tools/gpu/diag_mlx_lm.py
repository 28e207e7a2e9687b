"""mlx-lm's side of diag_ours.mjs: the same matrix-vector products and the bare decode loop."""
import json, sys, time
import mlx.core as mx
from mlx_lm import load
from mlx_lm.models.cache import make_prompt_cache

out = {}
for k, n in [(1152, 6912), (6912, 1152), (2560, 10240), (10240, 2560), (640, 262144)]:
    w = mx.random.normal((n, k)).astype(mx.bfloat16); x = mx.random.normal((1, k)).astype(mx.bfloat16); mx.eval(w, x)
    for _ in range(10): mx.eval(x @ w.T)
    t = time.perf_counter()
    for _ in range(100): mx.eval(x @ w.T)
    single = (time.perf_counter() - t) * 10
    t = time.perf_counter(); acc = x @ w.T
    for _ in range(99): acc = acc + x @ w.T
    mx.eval(acc); chained = (time.perf_counter() - t) * 10
    out[f"matvec_{k}x{n}"] = {"single_ms": single, "chained_ms": chained, "gbps": 2 * k * n / (chained * 1e6)}
model, _ = load(sys.argv[1])
prompt = mx.array([[3 + (i * 7919) % min(200000, model.args.vocab_size - 3) for i in range(512)]])

def decode_loop(stream):
    # The bare decode loop on the given stream (mlx-lm's generate runs on a stream of its own).
    with mx.stream(stream):
        cache = make_prompt_cache(model)
        t0 = time.perf_counter()
        tok = mx.argmax(model(prompt, cache=cache)[:, -1, :], -1); mx.eval(tok); tok.item()
        prefill = (time.perf_counter() - t0) * 1e3
        step = lambda t: mx.argmax(model(t.reshape(1, 1), cache=cache), -1)
        for _ in range(8): tok = step(tok); mx.eval(tok)
        t = time.perf_counter(); mx.async_eval(tok)
        for _ in range(100):
            nxt = step(tok); mx.async_eval(nxt); tok.item(); tok = nxt
        mx.eval(tok)
        return prefill, (time.perf_counter() - t) * 10

def batch_step(rows):
    # The bare decode step at batch `rows` after a 64-token prefill of `rows` rows (same lengths).
    cache = make_prompt_cache(model)
    ids = mx.array([[3 + ((i + r) * 7919) % min(200000, model.args.vocab_size - 3) for i in range(64)] for r in range(rows)])
    tok = mx.argmax(model(ids, cache=cache)[:, -1, :], -1); mx.eval(tok)
    step = lambda t: mx.argmax(model(t.reshape(rows, 1), cache=cache)[:, -1, :], -1)
    for _ in range(4): tok = step(tok); mx.eval(tok)
    t = time.perf_counter()
    for _ in range(30): tok = step(tok); mx.eval(tok)
    return (time.perf_counter() - t) / 30 * 1e3

with mx.stream(mx.new_stream(mx.default_device())):
    out["batch1_step_ms"] = batch_step(1); out["batch32_step_ms"] = batch_step(32)
decode_loop(mx.default_stream(mx.default_device()))
out["model_prefill512_ms"], out["model_decode_ms"] = decode_loop(mx.default_stream(mx.default_device()))
out["model_prefill512_stream_ms"], out["model_decode_stream_ms"] = decode_loop(mx.new_stream(mx.default_device()))
print(json.dumps(out))
