#!/usr/bin/env python3
"""Reference outputs for the server tests: test/fixtures/serve-reference.json.

Oracle: mlx-lm (mlx_lm.load + generate_step, greedy) on the gemma-3-270m-bf16 folder with its
parameters widened to float32 (what @mlx-ts loads on CPU), and the Hugging Face tokenizer (via
transformers) for prompt token counts and chat templating. Run after
`bash tools/setup-test-data.sh`, with the data venv:
  .cache/data-venv/bin/python packages/serve/fixtures-gen/make-serve-reference.py
"""
import json
import os
from pathlib import Path

import mlx.core as mx
from mlx.utils import tree_map
from mlx_lm import load
from mlx_lm.generate import generate_step
from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parents[3]
MODEL = Path(os.environ.get("MLX_TS_DATA", ROOT / ".cache")) / "models" / "gemma-3-270m-bf16"
OUT = Path(__file__).resolve().parents[1] / "test" / "fixtures" / "serve-reference.json"
NEW_TOKENS = 8
TOP = 3

CHAT = [{"role": "user", "content": "What is the capital of France?"}]
COMPLETION = "The capital of France is"


def greedy(model, hf_tokenizer, prompt_ids, eos_ids):
    tokens, logprobs, tops = [], [], []
    for token, lp in generate_step(mx.array(prompt_ids), model, max_tokens=NEW_TOKENS, sampler=lambda x: mx.argmax(x, axis=-1)):
        token = int(token)
        if token in eos_ids:
            break
        tokens.append(token)
        logprobs.append(float(lp[token]))
        order = mx.argsort(-lp)[:TOP].tolist()
        tops.append([{"id": int(i), "token": hf_tokenizer.decode([i]), "logprob": float(lp[i])} for i in order])
    return {
        "promptTokens": len(prompt_ids),
        "completionIds": tokens,
        "text": hf_tokenizer.decode(tokens, skip_special_tokens=True),
        "tokens": [hf_tokenizer.decode([t]) for t in tokens],
        "logprobs": logprobs,
        "top": tops,
    }


def main():
    model, _ = load(str(MODEL))
    model.update(tree_map(lambda p: p.astype(mx.float32) if mx.issubdtype(p.dtype, mx.floating) else p, model.parameters()))
    hf = AutoTokenizer.from_pretrained(str(MODEL))
    config = json.loads((MODEL / "config.json").read_text())
    generation = json.loads((MODEL / "generation_config.json").read_text())
    eos = set()
    for value in (config.get("eos_token_id"), generation.get("eos_token_id")):
        eos.update(value if isinstance(value, list) else [value] if value is not None else [])
    chat_ids = hf.apply_chat_template(CHAT, add_generation_prompt=True, tokenize=True)
    if not isinstance(chat_ids, list):
        chat_ids = chat_ids["input_ids"]
    completion_ids = hf(COMPLETION)["input_ids"]
    out = {
        "source": "mlx-lm greedy on gemma-3-270m-bf16 widened to float32; HF tokenizer",
        "maxTokens": NEW_TOKENS,
        "chat": {"messages": CHAT, **greedy(model, hf, chat_ids, eos)},
        "completion": {"prompt": COMPLETION, **greedy(model, hf, completion_ids, eos)},
    }
    OUT.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(out, ensure_ascii=False)[:1500])


if __name__ == "__main__":
    main()
