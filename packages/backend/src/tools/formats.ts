// The tool-call formats of the families we support.
import { type ToolCallFormat, parseCallBody } from './tool-call-format.js';

/** Qwen 2.5 / 3 and other Hermes-style templates: `<tool_call>\n{"name": ..., "arguments": ...}\n</tool_call>`. */
export const hermesFormat: ToolCallFormat = {
  name: 'hermes',
  syntax: {
    trigger: '<tool_call>',
    begin: (name) => `<tool_call>\n{"name": ${JSON.stringify(name)}, "arguments": `,
    end: '}\n</tool_call>',
    separator: '\n',
  },
  closing: '</tool_call>',
  markerTokens: [],
  templateRendersTools: true,
  parseCall(text) {
    const body = /<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/.exec(text)?.[1];
    return body === undefined ? undefined : parseCallBody(body, ['arguments', 'parameters']);
  },
};

/** Llama 3.1 / 3.2: a JSON object `{"name": ..., "parameters": ...}`, optionally after `<|python_tag|>`. */
export const llama3Format: ToolCallFormat = {
  name: 'llama3',
  syntax: {
    trigger: '{"name": ',
    begin: (name) => `{"name": ${JSON.stringify(name)}, "parameters": `,
    end: '}',
    separator: '; ',
  },
  closing: '',
  markerTokens: ['<|python_tag|>'],
  templateRendersTools: true,
  parseCall(text) {
    return parseCallBody(text.replace('<|python_tag|>', '').trim(), ['parameters', 'arguments']);
  },
};

/** Mistral: `[TOOL_CALLS][{"name": ..., "arguments": ...}]`. */
export const mistralFormat: ToolCallFormat = {
  name: 'mistral',
  syntax: {
    trigger: '[TOOL_CALLS]',
    begin: (name) => `[TOOL_CALLS][{"name": ${JSON.stringify(name)}, "arguments": `,
    end: '}]',
    separator: '',
  },
  closing: ']',
  markerTokens: ['[TOOL_CALLS]'],
  templateRendersTools: true,
  parseCall(text) {
    const body = text.replace('[TOOL_CALLS]', '').trim();
    const inner = body.startsWith('[') && body.endsWith(']') ? body.slice(1, -1) : body;
    return parseCallBody(inner, ['arguments', 'parameters']);
  },
};

/**
 * Models without tool tokens (Gemma 3): the tools and this format are described in the system
 * prompt, calls and results are written into the conversation as text, and the constraint keeps
 * the call itself well-formed.
 */
export const promptedFormat: ToolCallFormat = {
  name: 'prompted',
  syntax: {
    trigger: '<tool_call>',
    begin: (name) => `<tool_call>{"name": ${JSON.stringify(name)}, "arguments": `,
    end: '}</tool_call>',
    separator: '\n',
  },
  closing: '</tool_call>',
  markerTokens: [],
  templateRendersTools: false,
  parseCall: hermesFormat.parseCall,
};

/** The format a chat template speaks. */
export function toolCallFormatFor(chatTemplate: string | undefined): ToolCallFormat {
  const template = chatTemplate ?? '';
  if (template.includes('<tool_call>')) return hermesFormat;
  if (template.includes('[TOOL_CALLS]')) return mistralFormat;
  if (template.includes('<|python_tag|>') || (template.includes('ipython') && template.includes('"parameters"'))) return llama3Format;
  return promptedFormat;
}
