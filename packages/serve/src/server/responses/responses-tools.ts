// Function tools of POST /v1/responses: the API's flat shape ({ type: 'function', name, parameters })
// and its tool_choice, mapped to the Backend's chat-style definitions (the function nested under
// `function`), so that the chat template and the constrained calls work as on chat completions.
import type { GenerateOptions, ToolChoice, ToolDefinition } from '@mlx-ts/backend';
import { OpenAIError } from '../openai-error.js';

type Schema = Record<string, unknown>;

/** A tool as the Responses API takes it (and as the response object echoes it). */
export interface ResponsesFunctionTool {
  type: 'function';
  name: string;
  description?: string | null;
  parameters?: Record<string, unknown> | null;
  strict?: boolean | null;
}

export type ResponsesToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; name: string };

// Function tools only: a tool of another type never gets here, `checkToolTypes` refuses it first
// with its name; an unknown field of a function tool is a 400 naming the field.
export const toolsSchema: Schema = {
  type: 'array',
  minItems: 1,
  maxItems: 128,
  items: {
    type: 'object',
    required: ['type', 'name'],
    additionalProperties: false,
    properties: {
      type: { const: 'function' },
      name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
      description: { type: ['string', 'null'] },
      parameters: { type: ['object', 'null'] },
      strict: { type: ['boolean', 'null'] },
    },
  },
};

export const toolChoiceSchema: Schema = {
  anyOf: [
    { enum: ['none', 'auto', 'required'] },
    {
      type: 'object',
      required: ['type', 'name'],
      additionalProperties: false,
      properties: { type: { const: 'function' }, name: { type: 'string', minLength: 1 } },
    },
  ],
};

/**
 * OpenAI's hosted tools (web_search, file_search, code_interpreter, …) run on OpenAI's side; this
 * server has none of them, so a request naming one is a 400 that says which, not a generic
 * schema error. Runs before the schema check.
 */
export function checkToolTypes(body: unknown): void {
  const tools = (body as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools)) return;
  for (const [i, tool] of tools.entries()) {
    const type = (tool as { type?: unknown } | null)?.type;
    if (typeof type === 'string' && type !== 'function') {
      throw OpenAIError.invalidRequest(
        `Unsupported tool type '${type.slice(0, 64)}' in 'tools[${i}]': this server runs only function tools ({ type: 'function', name, parameters }).`,
        `tools[${i}].type`,
        'unsupported_value',
      );
    }
  }
}

/** tools, tool_choice and parallel_tool_calls → the Backend's options (the same ones chat completions set). */
export function toolOptions(
  tools: ResponsesFunctionTool[] | null | undefined,
  choice: ResponsesToolChoice | null | undefined,
  parallel: boolean | null | undefined,
): Partial<GenerateOptions> {
  const options: Partial<GenerateOptions> = {};
  if (tools != null) options.tools = tools.map(toDefinition);
  if (choice != null) {
    if (tools == null && choice !== 'none') {
      throw OpenAIError.invalidRequest("Invalid value for 'tool_choice': it is only allowed when 'tools' are given.", 'tool_choice');
    }
    if (typeof choice === 'object' && !tools!.some((tool) => tool.name === choice.name)) {
      throw OpenAIError.invalidRequest(`Invalid value for 'tool_choice': the function '${choice.name}' is not in 'tools'.`, 'tool_choice');
    }
    options.toolChoice = typeof choice === 'object' ? ({ type: 'function', function: { name: choice.name } } satisfies ToolChoice) : choice;
  }
  if (parallel != null) options.parallelToolCalls = parallel;
  return options;
}

function toDefinition(tool: ResponsesFunctionTool): ToolDefinition {
  const fn: ToolDefinition['function'] = { name: tool.name };
  if (tool.description != null) fn.description = tool.description;
  if (tool.parameters != null) fn.parameters = tool.parameters;
  if (tool.strict != null) fn.strict = tool.strict;
  return { type: 'function', function: fn };
}
