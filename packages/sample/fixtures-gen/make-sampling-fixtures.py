"""Reference values for @mlx-ts/sample, computed by mlx-lm's sample_utils (and numpy).

Run with a venv holding the same libmlx as @mlx-ts/core, so that seeded random draws match:

    python3 -m venv .cache/sample-oracle-venv
    .cache/sample-oracle-venv/bin/pip install mlx==0.32.4 mlx-cpu==0.32.4 mlx-lm numpy
    .cache/sample-oracle-venv/bin/python packages/sample/fixtures-gen/make-sampling-fixtures.py

Writes packages/sample/test/fixtures/sampling-*.json. -inf is written as null.
"""

import json
import math
from importlib.metadata import version
from pathlib import Path

import mlx.core as mx
import numpy as np
from mlx_lm import sample_utils as su

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures"
VOCAB = 64


def fixed_logits() -> np.ndarray:
    """4 rows of seeded normal logits (scale 3) plus a row with many exact ties."""
    rng = np.random.default_rng(20261126)
    rows = (rng.standard_normal((4, VOCAB)) * 3.0).astype(np.float32)
    ties = rng.integers(-3, 4, size=VOCAB).astype(np.float32)
    ties[[5, 17, 40]] = 4.0  # three-way tie for the top token
    return np.concatenate([rows, ties[None, :]], axis=0)


def as_list(a) -> list:
    """Nested lists of float32 values, -inf as None."""
    arr = np.array(a, dtype=np.float32) if not isinstance(a, np.ndarray) else a
    def conv(x):
        x = float(x)
        if math.isinf(x) and x < 0:
            return None
        if math.isnan(x) or math.isinf(x):
            raise ValueError(f"unexpected value {x}")
        return x
    return [[conv(x) for x in row] for row in arr.tolist()] if arr.ndim == 2 else [conv(x) for x in arr.tolist()]


def log_softmax(logits: mx.array) -> mx.array:
    # Exactly what mlx_lm.generate.generate_step feeds to the sampler.
    return logits - mx.logsumexp(logits, axis=-1, keepdims=True)


def write(name: str, payload: dict) -> None:
    payload = {
        "generator": "packages/sample/fixtures-gen/make-sampling-fixtures.py",
        "mlx": version("mlx"),
        "mlx_lm": version("mlx-lm"),
        **payload,
    }
    path = OUT / name
    path.write_text(json.dumps(payload, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


def filters(logits_np: np.ndarray) -> None:
    logits = mx.array(logits_np)
    logprobs = log_softmax(logits)
    cases = []

    def add(kind, params, out):
        cases.append({"filter": kind, "params": params, "output": as_list(np.array(out))})

    for k in (1, 5, 20, 63):
        add("topK", {"topK": k}, su.apply_top_k(logprobs, k))
    for p in (0.1, 0.5, 0.9, 0.99):
        add("topP", {"topP": p}, su.apply_top_p(logprobs, p))
    for p, keep in ((0.05, 1), (0.2, 1), (0.5, 1), (0.9, 3), (1.0, 1)):
        add("minP", {"minP": p, "minTokensToKeep": keep}, su.apply_min_p(logprobs, p, keep))
    # probability 1: uniform(0, 1) > 1 never holds, so the mask is always applied (no randomness).
    for threshold, special in ((0.1, []), (0.05, []), (0.05, [5, 17]), (0.5, []), (0.0, [])):
        add(
            "xtc",
            {"xtcProbability": 1.0, "xtcThreshold": threshold, "xtcSpecialTokens": special},
            su.apply_xtc(logprobs, 1.0, threshold, special),
        )
    # probability 0: never applied.
    add("xtc", {"xtcProbability": 0.0, "xtcThreshold": 0.1, "xtcSpecialTokens": []}, su.apply_xtc(logprobs, 0.0, 0.1, []))

    write(
        "sampling-filters.json",
        {
            "description": "mlx_lm.sample_utils filters applied to log_softmax(logits); -inf as null",
            "logits": as_list(logits_np),
            "logprobs": as_list(np.array(logprobs)),
            "cases": cases,
        },
    )


SAMPLER_CONFIGS = [
    {"temperature": 0.0},
    {"temperature": 1.0},
    {"temperature": 0.7},
    {"temperature": 1.3, "topK": 10},
    {"temperature": 1.0, "topP": 0.9},
    {"temperature": 0.8, "minP": 0.1},
    {"temperature": 1.0, "minP": 0.3, "minTokensToKeep": 4},
    {"temperature": 1.0, "xtcProbability": 0.5, "xtcThreshold": 0.1},
    {"temperature": 1.0, "xtcProbability": 1.0, "xtcThreshold": 0.05, "xtcSpecialTokens": [5]},
    {"temperature": 0.9, "topK": 20, "topP": 0.95, "minP": 0.02, "xtcProbability": 0.3, "xtcThreshold": 0.1},
]


def mlx_lm_sampler(config: dict):
    return su.make_sampler(
        temp=config.get("temperature", 0.0),
        top_p=config.get("topP", 0.0),
        min_p=config.get("minP", 0.0),
        min_tokens_to_keep=config.get("minTokensToKeep", 1),
        top_k=config.get("topK", 0),
        xtc_probability=config.get("xtcProbability", 0.0),
        xtc_threshold=config.get("xtcThreshold", 0.1),
        xtc_special_tokens=config.get("xtcSpecialTokens"),
    )


def samplers(logits_np: np.ndarray) -> None:
    logits = mx.array(logits_np)
    logprobs = log_softmax(logits)
    steps = 12
    runs = []
    for config in SAMPLER_CONFIGS:
        for seed in (0, 7, 12345):
            sampler = mlx_lm_sampler(config)
            # mx.random.seed(s) sets the global key to key(s); each draw splits it, which is the
            # sequence a seeded @mlx-ts/sample sampler reproduces with its own key.
            mx.random.seed(seed)
            tokens = []
            for _ in range(steps):
                tokens.append(np.array(sampler(logprobs)).astype(np.int64).tolist())
            runs.append({"config": config, "seed": seed, "tokens": tokens})

    categorical = []
    for seed in (0, 1, 99):
        for temp in (1.0, 0.5):
            out = mx.random.categorical(logprobs * (1.0 / temp), key=mx.random.key(seed))
            categorical.append({"seed": seed, "temperature": temp, "tokens": np.array(out).astype(np.int64).tolist()})

    write(
        "sampling-samplers.json",
        {
            "description": "mlx_lm.sample_utils.make_sampler on log_softmax(logits), steps after mx.random.seed(seed); "
            "categorical: mx.random.categorical(logprobs / temperature, key=mx.random.key(seed))",
            "logits": as_list(logits_np),
            "runs": runs,
            "categorical": categorical,
        },
    )


PROCESSOR_CONFIGS = [
    {"repetitionPenalty": 1.3},
    {"repetitionPenalty": 0.8, "repetitionContextSize": 4},
    {"presencePenalty": 0.7},
    {"presencePenalty": -0.5, "presenceContextSize": 5},
    {"frequencyPenalty": 0.4},
    {"frequencyPenalty": 1.1, "frequencyContextSize": 6},
    {"logitBias": {"3": 2.5, "10": -100.0, "63": 0.25}},
    {
        "logitBias": {"0": 1.0, "17": -2.0},
        "repetitionPenalty": 1.5,
        "repetitionContextSize": 8,
        "presencePenalty": 0.3,
        "presenceContextSize": 3,
        "frequencyPenalty": 0.2,
        "frequencyContextSize": 10,
    },
]


def mlx_lm_processors(config: dict):
    bias = config.get("logitBias")
    return su.make_logits_processors(
        logit_bias={int(k): v for k, v in bias.items()} if bias else None,
        repetition_penalty=config.get("repetitionPenalty"),
        repetition_context_size=config.get("repetitionContextSize", 20),
        presence_penalty=config.get("presencePenalty"),
        presence_context_size=config.get("presenceContextSize", 20),
        frequency_penalty=config.get("frequencyPenalty"),
        frequency_context_size=config.get("frequencyContextSize", 20),
    )


def processors(logits_np: np.ndarray) -> None:
    rng = np.random.default_rng(7)
    prompt = rng.integers(0, VOCAB, size=9).tolist()
    # Generated tokens with repeats, so that counts above one and window eviction both occur.
    generated = [3, 17, 3, 40, 3, 17, 5, 63, 0, 3, 22, 22, 22, 9, 5, 17, 3, 1, 2, 3, 4, 5, 6, 3, 3]
    cases = []
    for config in PROCESSOR_CONFIGS:
        steps = []
        # Same logits at every step; history = prompt + generated[:t], as in generate_step.
        for t in (0, 1, 2, 5, 13, len(generated)):
            history = mx.array(prompt + generated[:t])
            out = mx.array(logits_np)
            for processor in mlx_lm_processors(config):
                out = processor(history, out)
            steps.append({"generated": t, "output": as_list(np.array(out))})
        cases.append({"config": config, "steps": steps})

    # Per-row histories (batch of independent requests): mlx-lm runs one processor list per row.
    batched = []
    # Same length per row so that a batch can replay them step by step.
    histories = [
        (prompt + generated)[:12],
        [1, 1, 1, 2, 2, 1, 1, 1, 7, 1, 2, 1],
        prompt[:3] + generated[10:19],
        [63, 0, 63, 62, 61, 63, 63, 0, 5, 5, 5, 63],
    ]
    for config in PROCESSOR_CONFIGS:
        rows = []
        for row, history in enumerate(histories):
            out = mx.array(logits_np[row : row + 1])
            for processor in mlx_lm_processors(config):
                out = processor(mx.array(history), out)
            rows.append(as_list(np.array(out))[0])
        batched.append({"config": config, "output": rows})

    write(
        "sampling-processors.json",
        {
            "description": "mlx_lm.sample_utils.make_logits_processors applied in order to fixed logits, "
            "history = prompt + generated[:t]; batched: one history per row, each row processed alone",
            "logits": as_list(logits_np),
            "prompt": prompt,
            "generated": generated,
            "cases": cases,
            "batchedHistories": histories,
            "batched": batched,
        },
    )


def logprobs(logits_np: np.ndarray) -> None:
    logits = mx.array(logits_np)
    lp_mlx = np.array(log_softmax(logits))
    x = logits_np.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    lp_f64 = x - (m + np.log(np.exp(x - m).sum(axis=-1, keepdims=True)))
    top = []
    for n in (1, 5, 12):
        ids, values = [], []
        for row in lp_mlx:
            # Highest first, ties by the lower token id.
            order = np.lexsort((np.arange(VOCAB), -row))[:n]
            ids.append(order.tolist())
            values.append([float(v) for v in row[order]])
        top.append({"topN": n, "ids": ids, "values": values})
    chosen = [[0, 5, 17, 63, 40], [11, 2, 30, 30, 5]]
    write(
        "sampling-logprobs.json",
        {
            "description": "log-softmax over the vocabulary: mlx (logits - logsumexp, as generate_step) and numpy float64; "
            "top-N ordered by value, ties by lower id",
            "logits": as_list(logits_np),
            "logprobsMlx": as_list(lp_mlx),
            "logprobsFloat64": [[float(v) for v in row] for row in lp_f64],
            "chosen": [{"tokens": c, "logprob": [float(lp_mlx[i, t]) for i, t in enumerate(c)]} for c in chosen],
            "top": top,
        },
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    logits_np = fixed_logits()
    filters(logits_np)
    samplers(logits_np)
    processors(logits_np)
    logprobs(logits_np)


if __name__ == "__main__":
    main()
