// JSON schemas of the two generation endpoints' bodies. `additionalProperties: false` makes any
// parameter we do not implement a 400 that names it, instead of being silently ignored.
import { rangeSchema, samplingRanges } from './sampling-ranges.js';

export interface RequestLimits {
  /** Largest accepted max_tokens / max_completion_tokens (default 1 000 000). */
  maxTokens: number;
  /** Largest accepted n (default 8): each choice is a full generation. */
  maxChoices: number;
  /** Most prompts in one /v1/completions request (default 16). */
  maxPrompts: number;
}

export const defaultLimits: RequestLimits = { maxTokens: 1_000_000, maxChoices: 8, maxPrompts: 16 };

type Schema = Record<string, unknown>;

/**
 * Fields clients send routinely that do not change the output: accepted and not used. `user` and
 * `metadata` are bookkeeping, `store` asks OpenAI to keep the response for its dashboard,
 * `service_tier` picks a price class, `parallel_tool_calls` only matters with tools.
 */
export const passiveFields: Record<string, Schema> = {
  user: { type: ['string', 'null'], maxLength: 256 },
  metadata: { type: ['object', 'null'], maxProperties: 16, additionalProperties: { type: 'string', maxLength: 512 } },
  store: { type: ['boolean', 'null'] },
  service_tier: { type: ['string', 'null'], maxLength: 64 },
  parallel_tool_calls: { type: ['boolean', 'null'] },
};

/** Python clients send `null` for parameters left unset; null means "use the default". */
function nullable(schema: Schema): Schema {
  const type = schema.type;
  if (typeof type === 'string') return { ...schema, type: [type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function sharedSamplingProperties(limits: RequestLimits): Record<string, Schema> {
  return {
    model: { type: 'string', minLength: 1 },
    temperature: nullable(rangeSchema(samplingRanges.temperature)),
    top_p: nullable(rangeSchema(samplingRanges.top_p)),
    n: nullable({ type: 'integer', minimum: 1, maximum: limits.maxChoices }),
    stream: nullable({ type: 'boolean' }),
    stream_options: nullable({
      type: 'object',
      additionalProperties: false,
      properties: { include_usage: nullable({ type: 'boolean' }) },
    }),
    stop: {
      anyOf: [
        { type: 'null' },
        { type: 'string', minLength: 1, maxLength: 1000 },
        { type: 'array', maxItems: 16, items: { type: 'string', minLength: 1, maxLength: 1000 } },
      ],
    },
    max_tokens: nullable({ type: 'integer', minimum: 1, maximum: limits.maxTokens }),
    presence_penalty: nullable(rangeSchema(samplingRanges.presence_penalty)),
    frequency_penalty: nullable(rangeSchema(samplingRanges.frequency_penalty)),
    logit_bias: nullable({
      type: 'object',
      maxProperties: 1024,
      propertyNames: { pattern: '^[0-9]{1,9}$' },
      additionalProperties: { type: 'number', minimum: -100, maximum: 100 },
    }),
    seed: nullable(rangeSchema(samplingRanges.seed)),
    ...passiveFields,
    // Extensions shared with mlx-lm's and llama.cpp's servers.
    top_k: nullable(rangeSchema(samplingRanges.top_k)),
    min_p: nullable(rangeSchema(samplingRanges.min_p)),
    repetition_penalty: nullable(rangeSchema(samplingRanges.repetition_penalty)),
  };
}

const textPart: Schema = {
  type: 'object',
  required: ['type', 'text'],
  additionalProperties: false,
  properties: { type: { const: 'text' }, text: { type: 'string' } },
};

const toolCall: Schema = {
  type: 'object',
  required: ['id', 'type', 'function'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 256 },
    type: { const: 'function' },
    function: {
      type: 'object',
      required: ['name', 'arguments'],
      additionalProperties: false,
      properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, arguments: { type: 'string' } },
    },
  },
};

// Which fields go with which role (tool_calls on assistants, tool_call_id on tool results) is
// checked when the message is mapped, so the error can name the field.
const message: Schema = {
  type: 'object',
  required: ['role'],
  additionalProperties: false,
  properties: {
    role: { enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
    content: { anyOf: [{ type: 'string' }, { type: 'array', minItems: 1, items: textPart }, { type: 'null' }] },
    name: { type: 'string', maxLength: 256 },
    tool_calls: { type: 'array', minItems: 1, maxItems: 128, items: toolCall },
    tool_call_id: { type: 'string', minLength: 1, maxLength: 256 },
    // Sent back by clients that echo an assistant message as they received it.
    refusal: { type: 'null' },
  },
};

/** JSON Schema itself is checked by the structured-output engine, which names what is wrong. */
const responseFormat: Schema = {
  oneOf: [
    { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'text' } } },
    { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'json_object' } } },
    {
      type: 'object',
      required: ['type', 'json_schema'],
      additionalProperties: false,
      properties: {
        type: { const: 'json_schema' },
        json_schema: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
            description: { type: 'string' },
            schema: { type: 'object' },
            strict: nullable({ type: 'boolean' }),
          },
        },
      },
    },
  ],
};

const tool: Schema = {
  type: 'object',
  required: ['type', 'function'],
  additionalProperties: false,
  properties: {
    type: { const: 'function' },
    function: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,64}$' },
        description: { type: 'string' },
        parameters: { type: 'object' },
        strict: nullable({ type: 'boolean' }),
      },
    },
  },
};

const toolChoice: Schema = {
  anyOf: [
    { enum: ['none', 'auto', 'required'] },
    {
      type: 'object',
      required: ['type', 'function'],
      additionalProperties: false,
      properties: {
        type: { const: 'function' },
        function: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', minLength: 1 } } },
      },
    },
  ],
};

export function chatCompletionSchema(limits: RequestLimits): Schema {
  return {
    type: 'object',
    required: ['model', 'messages'],
    additionalProperties: false,
    properties: {
      ...sharedSamplingProperties(limits),
      messages: { type: 'array', minItems: 1, maxItems: 4096, items: message },
      max_completion_tokens: nullable({ type: 'integer', minimum: 1, maximum: limits.maxTokens }),
      logprobs: nullable({ type: 'boolean' }),
      top_logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
      response_format: nullable(responseFormat),
      tools: nullable({ type: 'array', minItems: 1, maxItems: 128, items: tool }),
      tool_choice: nullable(toolChoice),
      parallel_tool_calls: nullable({ type: 'boolean' }),
    },
  };
}

export function completionSchema(limits: RequestLimits): Schema {
  const tokenIds = { type: 'array', minItems: 1, items: { type: 'integer', minimum: 0 } };
  return {
    type: 'object',
    required: ['model', 'prompt'],
    additionalProperties: false,
    properties: {
      ...sharedSamplingProperties(limits),
      prompt: {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, maxItems: limits.maxPrompts, items: { type: 'string', minLength: 1 } },
          tokenIds,
          { type: 'array', minItems: 1, maxItems: limits.maxPrompts, items: tokenIds },
        ],
      },
      logprobs: nullable({ type: 'integer', minimum: 0, maximum: 20 }),
      echo: nullable({ const: false }),
      best_of: nullable({ type: 'integer', minimum: 1, maximum: limits.maxChoices }),
      suffix: { type: 'null' },
      response_format: nullable(responseFormat),
    },
  };
}

/** What each parameter must be, in words, for error messages; limits name their number and flag. */
export function parameterRules(limits: RequestLimits): Record<string, string> {
  return {
    model: 'a non-empty string naming a model from GET /v1/models',
    messages:
      "a non-empty list of { role: 'system' | 'developer' | 'user' | 'assistant' | 'tool', content: string | [{ type: 'text', text }] } (assistants may add tool_calls, tool results need tool_call_id)",
    prompt: `a non-empty string, a list of at most ${limits.maxPrompts} strings, a list of token ids, or a list of at most ${limits.maxPrompts} token-id lists`,
    temperature: 'a number from 0 to 2',
    top_p: 'a number greater than 0 and at most 1',
    n: `an integer from 1 to ${limits.maxChoices} (this server's limit, set by mlx-ts serve --max-choices)`,
    stream: 'a boolean',
    stream_options: '{ include_usage: boolean }, sent only with stream: true',
    stop: 'a non-empty string or a list of at most 16 non-empty strings',
    max_tokens: `an integer from 1 to ${limits.maxTokens} (this server's limit, set by mlx-ts serve --max-tokens-limit)`,
    max_completion_tokens: `an integer from 1 to ${limits.maxTokens} (this server's limit, set by mlx-ts serve --max-tokens-limit)`,
    max_output_tokens: `an integer from 1 to ${limits.maxTokens} (this server's limit, set by mlx-ts serve --max-tokens-limit)`,
    presence_penalty: 'a number from -2 to 2',
    frequency_penalty: 'a number from -2 to 2',
    logit_bias: 'an object mapping token ids (as strings) to numbers from -100 to 100',
    seed: 'a non-negative integer',
    user: 'a string',
    metadata: 'an object of at most 16 string values',
    store: 'a boolean',
    service_tier: 'a string',
    parallel_tool_calls: 'a boolean',
    top_k: 'a non-negative integer (0 disables it)',
    min_p: 'a number from 0 to 1',
    repetition_penalty: 'a number greater than 0 and at most 10',
    logprobs: 'a boolean on /v1/chat/completions, an integer from 0 to 20 on /v1/completions',
    top_logprobs: 'an integer from 0 to 20, sent with logprobs: true',
    response_format: "{ type: 'text' }, { type: 'json_object' } or { type: 'json_schema', json_schema: { name, schema, strict? } }",
    tools: "a non-empty list of { type: 'function', function: { name, description?, parameters? } } (names of letters, digits, _ or -)",
    tool_choice: "'none', 'auto', 'required' or { type: 'function', function: { name } }",
    echo: 'false (echoing the prompt is not supported)',
    best_of: 'equal to n (extra candidates are not supported)',
    suffix: 'null (suffix insertion is not supported)',
  };
}
