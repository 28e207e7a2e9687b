"""Writes a 512-token byte-level BPE tokenizer for the tiny random Gemma 3 test model.

The tiny model (vocab 512) is random, so any tokenizer of that size serves; this one is trained
with Hugging Face `tokenizers` on a little English so that ordinary text encodes to a few tokens.
Special tokens keep Gemma's ids where the model's config expects them: <pad> 0, <eos> 1, <bos> 2,
and <start_of_turn>/<end_of_turn> at 105/106 (106 is an end-of-sequence id of the config).

Run: .cache/tokenizer-oracle/bin/python packages/backend/fixtures-gen/make-tiny-tokenizer.py
"""
import json
import pathlib

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers, processors

out = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "tiny-tokenizer"
out.mkdir(parents=True, exist_ok=True)

text = [
    "The quick brown fox jumps over the lazy dog. " * 3,
    "Hello world! This is a small tokenizer for tests of the generation engine.",
    "Once upon a time there was a model that wrote stories about cats and dogs.",
    "The capital of France is Paris. Numbers: 0 1 2 3 4 5 6 7 8 9.",
]
specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
tokenizer = Tokenizer(models.BPE(unk_token=None))
tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tokenizer.decoder = decoders.ByteLevel()
trainer = trainers.BpeTrainer(
    vocab_size=510,
    special_tokens=specials,
    initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    show_progress=False,
)
tokenizer.train_from_iterator(text, trainer)
spec = json.loads(tokenizer.to_str())
vocab = spec["model"]["vocab"]
# Move whatever sits at 105 and 106 to the end, and put the turn markers there.
by_id = {v: k for k, v in vocab.items()}
next_id = max(by_id) + 1
for fixed, name in ((105, "<start_of_turn>"), (106, "<end_of_turn>")):
    if fixed in by_id:
        vocab[by_id[fixed]] = next_id
        next_id += 1
    vocab[name] = fixed
# Fill the rest of the model's 512 ids so that every id the model can produce has a token.
used = set(vocab.values())
for i in range(512):
    if i not in used:
        vocab[f"<unused{i}>"] = i
assert sorted(vocab.values()) == list(range(512)), "ids must be exactly 0..511"
spec["added_tokens"] = [
    {"id": vocab[name], "content": name, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
    for name in specials + ["<start_of_turn>", "<end_of_turn>"] + [f"<unused{i}>" for i in range(512) if f"<unused{i}>" in vocab]
]
spec["post_processor"] = {
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
    "pair": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
    "special_tokens": {"<bos>": {"id": "<bos>", "ids": [2], "tokens": ["<bos>"]}},
}
(out / "tokenizer.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1))
config = {
    "bos_token": "<bos>",
    "eos_token": "<eos>",
    "pad_token": "<pad>",
    "unk_token": "<unk>",
    "add_bos_token": True,
    "add_eos_token": False,
    "tokenizer_class": "PreTrainedTokenizerFast",
    "chat_template": "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ 'model' if message['role'] == 'assistant' else message['role'] }}\n{{ message['content'] | trim }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}",
}
(out / "tokenizer_config.json").write_text(json.dumps(config, indent=1))
check = Tokenizer.from_file(str(out / "tokenizer.json"))
print(check.encode("The capital of France is Paris.").ids, check.get_vocab_size())
