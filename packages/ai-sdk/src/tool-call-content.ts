// A Backend tool call as the AI SDK's tool-call content. The AI SDK parses `input` as JSON, so a
// call to a function without parameters, written with no arguments at all, becomes `{}`.
import type { LanguageModelV4ToolCall } from '@ai-sdk/provider';
import type { ToolCall } from '@mlx-ts/spec';

export function toToolCallContent(call: ToolCall): LanguageModelV4ToolCall {
  const input = call.function.arguments.trim() === '' ? '{}' : call.function.arguments;
  return { type: 'tool-call', toolCallId: call.id, toolName: call.function.name, input };
}
