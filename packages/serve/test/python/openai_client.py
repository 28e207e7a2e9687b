"""The official Python `openai` client against a running `mlx-ts serve`: the defaults (n=2 with
no temperature), and the Responses API (plain, streamed, previous_response_id). Prints JSON."""
import json
import sys

from openai import OpenAI

base_url, model, prompt, max_tokens = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
client = OpenAI(base_url=base_url, api_key="unused", max_retries=0)
out = {}

two = client.chat.completions.create(
    model=model, messages=[{"role": "user", "content": "Write a short poem about the sea."}], n=2, max_tokens=24
)
out["n2"] = [choice.message.content for choice in two.choices]

plain = client.responses.create(model=model, input=prompt, max_output_tokens=max_tokens, temperature=0)
out["responses"] = {
    "text": plain.output_text,
    "status": plain.status,
    "input_tokens": plain.usage.input_tokens,
    "output_tokens": plain.usage.output_tokens,
}

types, text = [], ""
for event in client.responses.create(model=model, input=prompt, max_output_tokens=max_tokens, temperature=0, stream=True):
    types.append(event.type)
    if event.type == "response.output_text.delta":
        text += event.delta
out["stream"] = {"types": types, "text": text}

follow = client.responses.create(
    model=model, input="And another?", previous_response_id=plain.id, max_output_tokens=4, temperature=0
)
chat = client.chat.completions.create(
    model=model,
    messages=[
        {"role": "user", "content": prompt},
        {"role": "assistant", "content": plain.output_text},
        {"role": "user", "content": "And another?"},
    ],
    max_tokens=4,
    temperature=0,
)
out["follow"] = {
    "previous": follow.previous_response_id,
    "input_tokens": follow.usage.input_tokens,
    "chat_prompt_tokens": chat.usage.prompt_tokens,
    "text": follow.output_text,
    "chat_text": chat.choices[0].message.content,
}
print(json.dumps(out))
