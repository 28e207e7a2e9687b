#!/usr/bin/env python3
"""Random-weight Gemma 3 text checkpoints at the real shapes of the 270M, 1B and 4B models, in bf16.

Timings on random weights are real (the same bytes move, the same kernels run); the text is not.
Usage: random_gemma.py OUT_DIR TOKENIZER_DIR SHAPE... (shapes: 270m 1b 4b). Needs torch + safetensors.
"""
import json
import shutil
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

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


def main():
    out, tokenizer, shapes = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
    for shape in shapes:
        folder = out / f"gemma3-{shape}-random-bf16"
        if (folder / "model.safetensors").exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        c = config_for(shape)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        generator = torch.Generator(device=device).manual_seed(20261201)
        save_file(weights_for(c, generator), str(folder / "model.safetensors"), metadata={"format": "pt"})
        (folder / "config.json").write_text(json.dumps(c, indent=2))
        for name in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copy(tokenizer / name, folder / name)
        print(f"[gpu] wrote {folder}", file=sys.stderr)


if __name__ == "__main__":
    main()
