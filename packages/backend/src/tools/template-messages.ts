// Turns Backend messages (and tools) into what the model's chat template reads. Templates that
// know tools get OpenAI's shapes (as transformers passes them: `tool_calls` with arguments as
// objects, `tool` messages with `tool_call_id`); for templates that do not, the prompted format
// writes tools, calls and results into the conversation as text.
import type { ChatMessage } from '@mlx-ts/tokenizer';
import { messageText } from '../message-text.js';
import type { Message, ToolDefinition } from '../types.js';
import type { ToolCallFormat } from './tool-call-format.js';

function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function templateMessage(message: Message): ChatMessage {
  const out: ChatMessage = { role: message.role, content: messageText(message.content) };
  if (message.toolCalls?.length) {
    out.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.function.name, arguments: parsedArguments(call.function.arguments) },
    }));
  }
  if (message.toolCallId !== undefined) out.tool_call_id = message.toolCallId;
  if (message.name !== undefined) out.name = message.name;
  return out;
}

/** The tools as the chat template's `tools` variable. */
export function templateTools(tools: readonly ToolDefinition[]): Record<string, unknown>[] {
  return tools.map((tool) => ({
    type: 'function',
    function: { ...tool.function, parameters: tool.function.parameters ?? { type: 'object', properties: {} } },
  }));
}

/** The system prompt that teaches a model without tool tokens the prompted format. */
export function promptedToolInstructions(tools: readonly ToolDefinition[], format: ToolCallFormat): string {
  const list = tools.map((tool) =>
    JSON.stringify({
      name: tool.function.name,
      description: tool.function.description ?? '',
      parameters: tool.function.parameters ?? { type: 'object', properties: {} },
    }),
  );
  const example = `${format.syntax.begin('function_name')}{"argument": "value"}${format.syntax.end}`;
  return [
    'You can call functions to help answer. These are available:',
    ...list,
    `To call a function, reply with only this, one line per call: ${example}`,
    'A function result comes back in <tool_response></tool_response>; then answer the user with it.',
  ].join('\n');
}

function promptedMessages(messages: readonly Message[], tools: readonly ToolDefinition[] | undefined, format: ToolCallFormat): ChatMessage[] {
  const out: ChatMessage[] = [];
  // Consecutive tool results become one user turn (templates like Gemma's need roles to
  // alternate); other messages are passed as they are, so the template still checks them.
  let lastWasToolResult = false;
  const push = (role: string, content: string, toolResult = false) => {
    const last = out[out.length - 1];
    if (toolResult && lastWasToolResult && last) last.content = `${last.content as string}\n${content}`;
    else out.push({ role, content });
    lastWasToolResult = toolResult;
  };
  if (tools?.length) {
    const instructions = promptedToolInstructions(tools, format);
    const system = messages[0]?.role === 'system' ? `${messageText(messages[0].content)}\n\n${instructions}` : instructions;
    out.push({ role: 'system', content: system });
  }
  messages.forEach((message, i) => {
    if (i === 0 && message.role === 'system' && tools?.length) return;
    if (message.role === 'tool') {
      push('user', `<tool_response>${JSON.stringify({ name: message.name ?? '', content: messageText(message.content) })}</tool_response>`, true);
    } else if (message.role === 'assistant' && message.toolCalls?.length) {
      const calls = message.toolCalls.map((call) => `${format.syntax.begin(call.function.name)}${call.function.arguments.trim() || '{}'}${format.syntax.end}`);
      const text = messageText(message.content);
      push('assistant', [text, ...calls].filter(Boolean).join('\n'));
    } else {
      push(message.role, messageText(message.content));
    }
  });
  return out;
}

export interface TemplateInput {
  messages: ChatMessage[];
  tools?: Record<string, unknown>[];
}

export function templateInput(messages: readonly Message[], tools: readonly ToolDefinition[] | undefined, format: ToolCallFormat): TemplateInput {
  if (!format.templateRendersTools) return { messages: promptedMessages(messages, tools, format) };
  return { messages: messages.map(templateMessage), ...(tools?.length ? { tools: templateTools(tools) } : {}) };
}
