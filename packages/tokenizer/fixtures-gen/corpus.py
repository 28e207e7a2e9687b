"""The parity corpus: one fixed list of texts shared by every tokenizer's fixture.

Deterministic (seeded) so that regenerating the fixtures gives the same cases.
"""
import random

PROSE = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello, world! How are you doing today?",
    "It's a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
    "I'm sure you'RE right; they've said it'll work, but we'd better check. HE'S HERE. She'LL go.",
    "In 1969, Apollo 11 landed on the Moon; 3.14159 is pi, and 2,718,281 is not e.",
    "Mr. O'Neil's cat -- named \"Whiskers\" -- sat (quietly) on the mat...",
    "Email me at someone@example.com or visit https://example.org/path?q=1&x=y#frag.",
    "Caf\u00e9 na\u00efve r\u00e9sum\u00e9 co\u00f6perate fa\u00e7ade \u00dcber stra\u00dfe.",
    "Don't stop believing! Hold on to that feelin'.",
    "Numbers: 0 1 12 123 1234 12345 123456 1234567890 and -42, +7, 1e10, 0xFF.",
    "UPPERCASE lowercase MiXeD CaSe camelCase snake_case kebab-case PascalCase",
    "A sentence with trailing spaces   ",
    "   A sentence with leading spaces",
    "Tabs\tbetween\twords\tand a final tab\t",
    "Line one\nLine two\n\nLine four after a blank line\n",
    "Windows line endings\r\nsecond line\r\n",
    "Quotes: \u201csmart\u201d \u2018single\u2019 \u00abguillemets\u00bb \u201eGerman\u201c",
    "Dashes \u2013 en \u2014 em \u2012 figure \u2015 bar; ellipsis\u2026 bullet \u2022 middot \u00b7",
]

CODE = [
    "def fibonacci(n):\n    if n < 2:\n        return n\n    return fibonacci(n - 1) + fibonacci(n - 2)\n",
    "function add(a, b) {\n  return a + b;\n}\nconsole.log(add(1, 2));",
    "#include <stdio.h>\nint main(void) {\n\tprintf(\"%d\\n\", 42);\n\treturn 0;\n}\n",
    "{\"name\": \"mlx-ts\", \"version\": \"0.0.0\", \"list\": [1, 2, 3], \"nested\": {\"a\": null}}",
    "<html>\n  <body>\n    <h1>Title</h1>\n    <p class=\"x\">Para <b>bold</b></p>\n  </body>\n</html>",
    "SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC LIMIT 10;",
    "const x = arr.map((v, i) => v * i).filter(Boolean) ?? [];  // comment\n/* block */",
    "fn main() {\n    let v: Vec<u32> = (0..10).collect();\n    println!(\"{:?}\", v);\n}",
    "    indented with four spaces\n        and eight\n\t\tand two tabs",
    "if (a && b || !c) { x += 1; } else if (y != z) { y <<= 2; }",
    "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\nprint(x.shape)",
    "$ ls -la | grep '.ts' > out.txt 2>&1 && echo \"done\"",
]

WORLD = [
    "\u4eca\u5929\u5929\u6c14\u5f88\u597d\uff0c\u6211\u4eec\u53bb\u516c\u56ed\u6563\u6b65\u5427\u3002",
    "\u6211\u7231\u5317\u4eac\u5929\u5b89\u95e8\uff0c\u5929\u5b89\u95e8\u4e0a\u592a\u9633\u5347\u3002",
    "\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8\u3067\u3059\u3002\u30ab\u30bf\u30ab\u30ca\u3068\u3072\u3089\u304c\u306a\u3001\u6f22\u5b57\u3002",
    "\ud55c\uad6d\uc5b4 \ubb38\uc7a5\uc785\ub2c8\ub2e4. \uc548\ub155\ud558\uc138\uc694!",
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645! \u0647\u0630\u0627 \u0646\u0635 \u0639\u0631\u0628\u064a.",
    "\u0627\u0644\u0644\u063a\u0629 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u062c\u0645\u064a\u0644\u0629 \u0648\u0645\u0639\u0642\u062f\u0629\u060c \u0623\u0644\u064a\u0633 \u0643\u0630\u0644\u0643\u061f",
    "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e! \u092f\u0939 \u0939\u093f\u0928\u094d\u0926\u0940 \u092e\u0947\u0902 \u090f\u0915 \u0935\u093e\u0915\u094d\u092f \u0939\u0948\u0964",
    "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u042d\u0442\u043e \u0440\u0443\u0441\u0441\u043a\u0438\u0439 \u0442\u0435\u043a\u0441\u0442 \u0441 \u0431\u0443\u043a\u0432\u043e\u0439 \u0451.",
    "\u0421\u044a\u0435\u0448\u044c \u0436\u0435 \u0435\u0449\u0451 \u044d\u0442\u0438\u0445 \u043c\u044f\u0433\u043a\u0438\u0445 \u0444\u0440\u0430\u043d\u0446\u0443\u0437\u0441\u043a\u0438\u0445 \u0431\u0443\u043b\u043e\u043a, \u0434\u0430 \u0432\u044b\u043f\u0435\u0439 \u0447\u0430\u044e.",
    "\u0e2a\u0e27\u0e31\u0e2a\u0e14\u0e35\u0e04\u0e23\u0e31\u0e1a \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
    "\u0393\u03b5\u03b9\u03ac \u03c3\u03bf\u03c5 \u039a\u03cc\u03c3\u03bc\u03b5",
    "Vi\u1ec7t Nam \u0111\u1eb9p l\u1eafm",
    "\u1e9e\u00df \u0130stanbul \u0131\u0049 \u017fs K\u212a",
    "e\u0301 A\u030a \u1100\u1161\u11a8 decomposed vs \u00e9 \u00c5 \uac01 composed",
    "\ufb01 \ufb02 \u2460 \u00bd \u2167 \uff21\uff22\uff23 compatibility forms",
]

EMOJI = [
    "\U0001F600\U0001F601\U0001F602\U0001F923",
    "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 family",
    "\U0001F469\U0001F3FD\u200D\U0001F4BB coder, \U0001F3F3\uFE0F\u200D\U0001F308 flag, \U0001F1FA\U0001F1F8 \U0001F1EF\U0001F1F5",
    "keycaps 1\uFE0F\u20E3 #\uFE0F\u20E3 and hearts \u2764\uFE0F \U0001F9E1 \U0001F49B",
    "I love \U0001F355 and \U0001F363! \U0001F44D\U0001F3FB\U0001F44D\U0001F3FF",
    "\U0001F9D1\u200D\U0001F91D\u200D\U0001F9D1 \U0001F441\uFE0F\u200D\U0001F5E8\uFE0F",
]

WHITESPACE = [
    "", " ", "  ", "\n", "\n\n", "\t", "\r\n", " \n ", "a  b   c    d     e",
    "          ten spaces before", "word          ten spaces after",
    "\n\n\n\n\nfive newlines", "mixed \t \n \t\n whitespace", "\t\t\t\ttabs",
    " " * 40, "\n" * 40, "\t" * 33, "x" + " " * 100 + "y",
    "nbsp\u00a0here and ideographic\u3000space and nel\u0085next and bom\ufeffthere",
    "thin\u2009space en\u2002space zero\u200bwidth",
    " leading", "trailing ", "\u2581already metaspace\u2581\u2581chars",
]

SPECIAL = [
    "<bos>Hello<eos>", "<start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
    "<|im_start|>user\nhello<|im_end|>", "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>",
    "<s>[INST] hi [/INST]</s>", "text <unk> more", "<think>\nreasoning\n</think>\n\nanswer",
    "<tool_call>{\"name\": \"f\"}</tool_call>", "<pad><pad><mask>", "a<bos>b<eos>c", "<unused5> <unused99>",
    "<|endoftext|>", "<|reserved_special_token_3|>", "<<bos>>", "<bos <eos> eos>", "</s>", "<|im_start|><|im_end|>",
    "<start_of_image><image_soft_token><end_of_image>", "<h1>heading</h1><b>x</b>", "[multimodal]",
]

LONG = [
    "a" * 1000,
    "supercalifragilisticexpialidocious" * 40,
    "Pneumonoultramicroscopicsilicovolcanoconiosis",
    "0123456789" * 60,
    "\u6f22" * 300,
    "ab" * 400,
    "x" * 5000,
    "-" * 200 + "=" * 200,
    "https://example.com/" + "very-long-path-segment/" * 30,
]

SURROGATES = [
    "\ud800", "abc\udfff", "\ud83d", "x\ud83dy", "\ude00\ud83d", "lone \udbff high and \udc00 low",
    "pair \ud83d\ude00 then \ud83d alone",
]


def build_corpus():
    rng = random.Random(20261126)
    cases = []
    for group in (PROSE, CODE, WORLD, EMOJI, WHITESPACE, SPECIAL, LONG, SURROGATES):
        cases.extend(group)
    pools = PROSE + CODE + WORLD + EMOJI + WHITESPACE + SPECIAL + SURROGATES
    joiners = ["", " ", "\n", "  ", "\t", "\n\n", " \n"]
    while len(cases) < 340:
        parts = [rng.choice(pools) for _ in range(rng.randint(2, 4))]
        text = ""
        for p in parts:
            text += rng.choice(joiners) + p
        if rng.random() < 0.3:
            # cut at a random position: words and tags end mid-way
            text = text[: rng.randint(0, len(text))]
        cases.append(text)
    # random character soup from several scripts, punctuation and whitespace
    alphabet = "abcXYZ019 \t\n.,;:!?'\"-_()[]{}<>/\\@#$%^&*\u00e9\u00df\u4e2d\u6587\u0639\u0631\u0628\u0915\u0939\u044f\u0436\U0001F600\u200d\u2581"
    for _ in range(30):
        cases.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))))
    return cases
