"""The Python `openai` client against a running server: parse() with a pydantic model, then a
tool call with tool_choice="required". Prints one JSON line with what it got.

Usage: python structured_client.py BASE_URL MODEL
"""
import json
import sys
from typing import Literal

from openai import OpenAI
from pydantic import BaseModel, Field


class Pet(BaseModel):
    name: str = Field(max_length=12)
    kind: Literal["cat", "dog", "fish"]
    age: int = Field(ge=0, le=30)


base_url, model = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base_url, api_key="unused", max_retries=0)

completion = client.chat.completions.parse(
    model=model,
    messages=[{"role": "user", "content": "Invent a pet and describe it as JSON."}],
    response_format=Pet,
    max_tokens=48,
    temperature=0,
)
pet = completion.choices[0].message.parsed

tools = [{"type": "function", "function": {"name": "find_pet", "parameters": {"type": "object", "properties": {"kind": {"enum": ["cat", "dog"]}}, "required": ["kind"], "additionalProperties": False}}}]
called = client.chat.completions.create(
    model=model,
    messages=[{"role": "user", "content": "Find me a cat."}],
    tools=tools,
    tool_choice="required",
    parallel_tool_calls=False,
    max_tokens=32,
    temperature=0,
)
call = called.choices[0].message.tool_calls[0]

print(json.dumps({
    "parsedType": type(pet).__name__,
    "pet": pet.model_dump(),
    "finishReason": called.choices[0].finish_reason,
    "call": {"name": call.function.name, "arguments": json.loads(call.function.arguments)},
}))
