"""One bf16 matrix-vector product at the Gemma head's shape, from Python on the same libmlx as the
addon: timing, the CUDA libraries this process loaded, and MLX's settings. Pair: matvec-probe.mjs."""
import json, os, time
import mlx.core as mx

k, n = 640, 262144
w = mx.random.normal((n, k)).astype(mx.bfloat16); x = mx.random.normal((1, k)).astype(mx.bfloat16); mx.eval(w, x)
for _ in range(20): mx.eval(x @ w.T)
t = time.perf_counter()
for _ in range(200): mx.eval(x @ w.T)
single = (time.perf_counter() - t) / 200 * 1e3
libs = sorted({line.split()[-1] for line in open('/proc/self/maps') if any(s in line for s in ('cublas', 'cudart', 'cudnn', 'nvrtc', 'libmlx', 'libcuda.'))})
env = {key: value for key, value in os.environ.items() if key.startswith(('MLX', 'CUDA', 'LD_'))}
print(json.dumps({"side": "python", "single_ms": single, "gbps": 2 * k * n / (single * 1e6), "libs": libs, "env": env, "device": str(mx.default_device())}))
