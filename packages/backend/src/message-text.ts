// A message's content as the text a chat template renders: parts are joined, null is empty.
import type { Message } from './types.js';

export function messageText(content: Message['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => part.text).join('');
}
