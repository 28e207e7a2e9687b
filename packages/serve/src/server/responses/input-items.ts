// The Responses API's input items → chat messages. Message items map one to one; a run of
// function_call items becomes one assistant message with tool calls (as chat completions carry
// them, so the chat template renders them the same way), and each function_call_output a tool
// message answering its call_id.
import type { Message, ToolCall } from '@mlx-ts/backend';
import { OpenAIError } from '../openai-error.js';

type Schema = Record<string, unknown>;

const textContent: Schema = {
  type: 'object',
  required: ['type', 'text'],
  properties: { type: { enum: ['input_text', 'output_text', 'text'] }, text: { type: 'string' }, annotations: { type: 'array' }, logprobs: { type: 'array' } },
  additionalProperties: false,
};

const messageItem: Schema = {
  type: 'object',
  required: ['role', 'content'],
  additionalProperties: false,
  properties: {
    type: { const: 'message' },
    id: { type: 'string' },
    status: { type: 'string' },
    role: { enum: ['system', 'developer', 'user', 'assistant'] },
    content: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: textContent }] },
  },
};

// `id` and `status` are there because clients send output items back as they received them.
const functionCallItem: Schema = {
  type: 'object',
  required: ['type', 'call_id', 'name', 'arguments'],
  additionalProperties: false,
  properties: {
    type: { const: 'function_call' },
    id: { type: 'string' },
    status: { type: 'string' },
    call_id: { type: 'string', minLength: 1, maxLength: 256 },
    name: { type: 'string', minLength: 1, maxLength: 64 },
    arguments: { type: 'string' },
  },
};

const functionCallOutputItem: Schema = {
  type: 'object',
  required: ['type', 'call_id', 'output'],
  additionalProperties: false,
  properties: {
    type: { const: 'function_call_output' },
    id: { type: 'string' },
    status: { type: 'string' },
    call_id: { type: 'string', minLength: 1, maxLength: 256 },
    output: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: textContent }] },
  },
};

export const inputItemSchema: Schema = { anyOf: [messageItem, functionCallItem, functionCallOutputItem] };

type Content = string | { text: string }[];

/** An input item as the request gave it (checked by `inputItemSchema`). */
export type InputItem =
  | { type?: 'message'; role: Message['role'] | 'developer'; content: Content }
  | { type: 'function_call'; call_id: string; name: string; arguments: string }
  | { type: 'function_call_output'; call_id: string; output: Content };

const text = (content: Content) => (typeof content === 'string' ? content : content.map((part) => part.text).join('\n'));

/**
 * `history` is the stored conversation this input continues (previous_response_id): a
 * function_call_output may answer a call made there. The result holds this turn's messages only.
 */
export function inputMessages(items: readonly InputItem[], history: readonly Message[]): Message[] {
  const messages: Message[] = [];
  const names = new Map<string, string>();
  for (const message of history) for (const call of message.toolCalls ?? []) names.set(call.id, call.function.name);
  for (const [i, item] of items.entries()) {
    if (item.type === 'function_call') {
      const call: ToolCall = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
      names.set(call.id, call.function.name);
      const last = messages.at(-1);
      // A model's turn is one assistant message: its text (if any) and every call it made.
      if (last?.role === 'assistant') last.toolCalls = [...(last.toolCalls ?? []), call];
      else messages.push({ role: 'assistant', content: null, toolCalls: [call] });
    } else if (item.type === 'function_call_output') {
      const name = names.get(item.call_id);
      if (name === undefined) {
        throw OpenAIError.invalidRequest(
          `No function call found with call_id '${item.call_id.slice(0, 256)}' for 'input[${i}]': a function_call_output answers a function_call given earlier in the input or in the previous response.`,
          `input[${i}].call_id`,
        );
      }
      messages.push({ role: 'tool', toolCallId: item.call_id, name, content: text(item.output) });
    } else {
      messages.push({ role: item.role === 'developer' ? 'system' : item.role, content: text(item.content) });
    }
  }
  return messages;
}
