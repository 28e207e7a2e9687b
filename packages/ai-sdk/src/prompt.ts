// The AI SDK's prompt as the Backend's messages: text parts become the message's text, tool-call
// parts an assistant's `toolCalls`, tool-result parts one `tool` message per result.
import { type LanguageModelV4Prompt, type LanguageModelV4ToolResultOutput, type SharedV4Warning, UnsupportedFunctionalityError } from '@ai-sdk/provider';
import type { Message, ToolCall } from '@mlx-ts/spec';

function unsupportedPart(role: string, type: string): never {
  throw new UnsupportedFunctionalityError({
    functionality: `${type} parts in ${role} messages`,
    message: `mlx-ts models read text only: ${role} messages may not hold ${type} parts. Send the content as text, or remove the part.`,
  });
}

/** A tool's output as the text the chat template shows the model. */
export function toolOutputText(output: LanguageModelV4ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return output.reason ?? 'The tool call was denied.';
    case 'content':
      return output.value.map((part) => (part.type === 'text' ? part.text : unsupportedPart('tool', `${part.type} output`))).join('');
  }
}

export function toMessages(prompt: LanguageModelV4Prompt, warnings: SharedV4Warning[]): Message[] {
  const messages: Message[] = [];
  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        messages.push({ role: 'system', content: message.content });
        break;
      case 'user':
        messages.push({
          role: 'user',
          content: message.content.map((part) => (part.type === 'text' ? part.text : unsupportedPart('user', part.type))).join(''),
        });
        break;
      case 'assistant': {
        let text = '';
        const toolCalls: ToolCall[] = [];
        for (const part of message.content) {
          if (part.type === 'text') text += part.text;
          else if (part.type === 'tool-call') {
            toolCalls.push({ id: part.toolCallId, type: 'function', function: { name: part.toolName, arguments: JSON.stringify(part.input) } });
          } else if (part.type === 'reasoning') {
            // Reasoning another model wrote has no place in these models' templates.
            warnings.push({ type: 'other', message: 'reasoning parts of assistant messages are not shown to the model' });
          } else unsupportedPart('assistant', part.type);
        }
        messages.push(toolCalls.length > 0 ? { role: 'assistant', content: text === '' ? null : text, toolCalls } : { role: 'assistant', content: text });
        break;
      }
      case 'tool':
        for (const part of message.content) {
          // Approvals are settled by the AI SDK before the call; only results reach the model.
          if (part.type !== 'tool-result') continue;
          messages.push({ role: 'tool', toolCallId: part.toolCallId, name: part.toolName, content: toolOutputText(part.output) });
        }
        break;
    }
  }
  return messages;
}
