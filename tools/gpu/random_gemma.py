#!/usr/bin/env python3
"""Random-weight Gemma 3 text checkpoints at the real shapes of the 270M, 1B and 4B models, in bf16.

Timings on random weights are real (the same bytes move, the same kernels run); the text is not.
Usage: random_gemma.py [--exact] OUT_DIR TOKENIZER_DIR SHAPE... (shapes: 270m 1b 4b). Needs torch + safetensors.
--exact: weights from an integer hash instead of torch's generator (gemma3-<shape>-exact-bf16), each
an integer in [-127, 127] times 2^-12, so bf16 holds it exactly and every machine writes the same
bytes (numpy only); greedy parity between devices compares against a fixture made elsewhere.
"""
import json
import shutil
import sys
from pathlib import Path

import numpy as np

SHAPES = {
    # hidden, layers, heads, kv heads, intermediate, sliding window, rope scaling (global layers)
    "270m": dict(hidden_size=640, num_hidden_layers=18, num_attention_heads=4, num_key_value_heads=1, intermediate_size=2048, sliding_window=512, rope_scaling=None),
    "1b": dict(hidden_size=1152, num_hidden_layers=26, num_attention_heads=4, num_key_value_heads=1, intermediate_size=6912, sliding_window=512, rope_scaling=None),
    "4b": dict(hidden_size=2560, num_hidden_layers=34, num_attention_heads=8, num_key_value_heads=4, intermediate_size=10240, sliding_window=1024, rope_scaling={"rope_type": "linear", "factor": 8.0}),
}
VOCAB = 262144
HEAD_DIM = 256


def config_for(shape):
    c = dict(SHAPES[shape])
    c.update(
        architectures=["Gemma3ForCausalLM"], model_type="gemma3_text", vocab_size=VOCAB, head_dim=HEAD_DIM,
        query_pre_attn_scalar=HEAD_DIM, rms_norm_eps=1e-6, rope_theta=1_000_000.0, rope_local_base_freq=10_000.0,
        sliding_window_pattern=6, max_position_embeddings=32768, hidden_activation="gelu_pytorch_tanh",
        tie_word_embeddings=True, bos_token_id=2, eos_token_id=[1, 106], pad_token_id=0, torch_dtype="bfloat16",
        final_logit_softcapping=None, attn_logit_softcapping=None,
    )
    return c


def weights_for(c, generator):
    h, i, d = c["hidden_size"], c["intermediate_size"], HEAD_DIM
    nq, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    import torch

    def normal(*shape):
        return (torch.randn(*shape, generator=generator, device="cuda" if torch.cuda.is_available() else "cpu") * 0.02).to(torch.bfloat16).cpu()
    def norm(n):
        return torch.zeros(n, dtype=torch.bfloat16)
    w = {"model.embed_tokens.weight": normal(VOCAB, h), "model.norm.weight": norm(h)}
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}"
        w.update({
            f"{p}.self_attn.q_proj.weight": normal(nq * d, h), f"{p}.self_attn.k_proj.weight": normal(nkv * d, h),
            f"{p}.self_attn.v_proj.weight": normal(nkv * d, h), f"{p}.self_attn.o_proj.weight": normal(h, nq * d),
            f"{p}.self_attn.q_norm.weight": norm(d), f"{p}.self_attn.k_norm.weight": norm(d),
            f"{p}.mlp.gate_proj.weight": normal(i, h), f"{p}.mlp.up_proj.weight": normal(i, h), f"{p}.mlp.down_proj.weight": normal(h, i),
            f"{p}.input_layernorm.weight": norm(h), f"{p}.post_attention_layernorm.weight": norm(h),
            f"{p}.pre_feedforward_layernorm.weight": norm(h), f"{p}.post_feedforward_layernorm.weight": norm(h),
        })
    return w


def exact_bits(seed, count):
    """bf16 bits of count values k * 2^-12 (k in [-127, 127]) from a splitmix64 hash of (seed, index)."""
    out = np.empty(count, dtype=np.uint16)
    step = 1 << 24
    with np.errstate(over="ignore"):
        for start in range(0, count, step):
            z = np.arange(start, min(count, start + step), dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
            k = (z % np.uint64(255)).astype(np.int32) - 127
            out[start : start + len(k)] = (k.astype(np.float32) * np.float32(2.0**-12)).view(np.uint32) >> 16
    return out


def save_exact(c, path):
    """The checkpoint of weights_for's names and shapes, written as raw safetensors (bf16)."""
    h, i, d = c["hidden_size"], c["intermediate_size"], HEAD_DIM
    nq, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    shapes = {"model.embed_tokens.weight": ("w", [VOCAB, h]), "model.norm.weight": ("0", [h])}
    for layer in range(c["num_hidden_layers"]):
        p = f"model.layers.{layer}"
        shapes.update({
            f"{p}.self_attn.q_proj.weight": ("w", [nq * d, h]), f"{p}.self_attn.k_proj.weight": ("w", [nkv * d, h]),
            f"{p}.self_attn.v_proj.weight": ("w", [nkv * d, h]), f"{p}.self_attn.o_proj.weight": ("w", [h, nq * d]),
            f"{p}.self_attn.q_norm.weight": ("0", [d]), f"{p}.self_attn.k_norm.weight": ("0", [d]),
            f"{p}.mlp.gate_proj.weight": ("w", [i, h]), f"{p}.mlp.up_proj.weight": ("w", [i, h]), f"{p}.mlp.down_proj.weight": ("w", [h, i]),
            f"{p}.input_layernorm.weight": ("0", [h]), f"{p}.post_attention_layernorm.weight": ("0", [h]),
            f"{p}.pre_feedforward_layernorm.weight": ("0", [h]), f"{p}.post_feedforward_layernorm.weight": ("0", [h]),
        })
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, (_, shape) in shapes.items():
        size = 2 * int(np.prod(shape))
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(len(encoded).to_bytes(8, "little") + encoded)
        for seed, (name, (kind, shape)) in enumerate(shapes.items()):
            count = int(np.prod(shape))
            (exact_bits(seed + 1, count) if kind == "w" else np.zeros(count, dtype=np.uint16)).tofile(f)


def main():
    args = sys.argv[1:]
    exact = "--exact" in args
    args = [a for a in args if a != "--exact"]
    out, tokenizer, shapes = Path(args[0]), Path(args[1]), args[2:]
    for shape in shapes:
        folder = out / f"gemma3-{shape}-{'exact' if exact else 'random'}-bf16"
        if (folder / "model.safetensors").exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        c = config_for(shape)
        if exact:
            save_exact(c, folder / "model.safetensors")
        else:
            import torch
            from safetensors.torch import save_file

            device = "cuda" if torch.cuda.is_available() else "cpu"
            generator = torch.Generator(device=device).manual_seed(20261201)
            save_file(weights_for(c, generator), str(folder / "model.safetensors"), metadata={"format": "pt"})
        (folder / "config.json").write_text(json.dumps(c, indent=2))
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(tokenizer / name, folder / name)
        print(f"[gpu] wrote {folder}", file=sys.stderr)


if __name__ == "__main__":
    main()
