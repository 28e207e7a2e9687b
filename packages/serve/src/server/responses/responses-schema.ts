// The body of POST /v1/responses: text in (`input` as a string or items: messages, function calls
// and their outputs; `instructions`, `previous_response_id`), text or function calls out (`tools`,
// `tool_choice`), optionally as JSON (`text.format`: json_object, or json_schema with the schema
// inline as this API puts it). Parameters that would change the output and are not implemented
// stay 400s naming them (additionalProperties: false).
import type { GenerateOptions } from '@mlx-ts/backend';
import { type OutputFormat, responseFormatOption, validate } from '../parse-request.js';
import { rangeSchema, samplingRanges } from '../sampling-ranges.js';
import { passiveFields, type RequestLimits } from '../schemas.js';
import { Ajv, type ValidateFunction } from 'ajv';
import { type InputItem, inputItemSchema } from './input-items.js';
import { checkToolTypes, type ResponsesFunctionTool, type ResponsesToolChoice, toolChoiceSchema, toolOptions, toolsSchema } from './responses-tools.js';

type Schema = Record<string, unknown>;

const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });

const plainFormat: Schema = { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'text' } } };
const jsonObjectFormat: Schema = { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { const: 'json_object' } } };
// The schema itself is checked by the backend's engine (a 400 naming what is wrong).
const jsonSchemaFormat: Schema = {
  type: 'object',
  required: ['type', 'name', 'schema'],
  additionalProperties: false,
  properties: {
    type: { const: 'json_schema' },
    name: { type: 'string', minLength: 1, maxLength: 64 },
    schema: { type: 'object' },
    description: { type: 'string' },
    strict: nullable({ type: 'boolean' }),
  },
};

/** The Responses API's `text.format`, as the request gave it (echoed in the response object). */
export type TextFormat = OutputFormat & { description?: string };

export function responsesSchema(limits: RequestLimits): Schema {
  return {
    type: 'object',
    required: ['model', 'input'],
    additionalProperties: false,
    properties: {
      model: { type: 'string', minLength: 1 },
      input: {
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', minItems: 1, maxItems: 4096, items: inputItemSchema },
        ],
      },
      instructions: nullable({ type: 'string' }),
      previous_response_id: nullable({ type: 'string', minLength: 1, maxLength: 200 }),
      max_output_tokens: nullable({ type: 'integer', minimum: 1, maximum: limits.maxTokens }),
      temperature: nullable(rangeSchema(samplingRanges.temperature)),
      top_p: nullable(rangeSchema(samplingRanges.top_p)),
      stream: nullable({ type: 'boolean' }),
      text: nullable({
        type: 'object',
        additionalProperties: false,
        properties: { format: nullable({ anyOf: [plainFormat, jsonObjectFormat, jsonSchemaFormat] }), verbosity: nullable({ const: 'medium' }) },
      }),
      truncation: nullable({ const: 'disabled' }),
      ...passiveFields,
      tools: nullable(toolsSchema),
      tool_choice: nullable(toolChoiceSchema),
      // Extensions shared with the other routes.
      seed: nullable(rangeSchema(samplingRanges.seed)),
      top_k: nullable(rangeSchema(samplingRanges.top_k)),
      min_p: nullable(rangeSchema(samplingRanges.min_p)),
      repetition_penalty: nullable(rangeSchema(samplingRanges.repetition_penalty)),
    },
  };
}

export interface ParsedResponsesRequest {
  model: string;
  /** This turn's input items, without the instructions (made messages once the history is known). */
  input: InputItem[];
  instructions?: string;
  previousResponseId?: string;
  options: GenerateOptions;
  /** `text.format`; text unless the request asked for JSON. */
  format: TextFormat;
  stream: boolean;
  store: boolean;
  metadata: Record<string, string>;
  /** The request's own sampling values, echoed in the response object. */
  temperature: number | null;
  topP: number | null;
  maxOutputTokens: number | null;
  /** The tool fields as the request gave them, echoed in the response object. */
  tools: ResponsesFunctionTool[];
  toolChoice: ResponsesToolChoice;
  parallelToolCalls: boolean;
}

export function responsesRules(limits: RequestLimits): Record<string, string> {
  return {
    model: 'a non-empty string naming a model from GET /v1/models',
    input:
      "a non-empty string or a list of items: { role: 'system' | 'developer' | 'user' | 'assistant', content: string | [{ type: 'input_text' | 'output_text', text }] }, { type: 'function_call', call_id, name, arguments } or { type: 'function_call_output', call_id, output }",
    instructions: 'a string',
    previous_response_id: 'the id of an earlier response from this server',
    max_output_tokens: `an integer from 1 to ${limits.maxTokens} (this server's limit, set by mlx-ts serve --max-tokens-limit)`,
    temperature: 'a number from 0 to 2',
    top_p: 'a number greater than 0 and at most 1',
    stream: 'a boolean',
    text: "{ format: { type: 'text' } | { type: 'json_object' } | { type: 'json_schema', name, schema, strict? } }",
    truncation: "'disabled' (a conversation longer than the context is a 400)",
    metadata: 'an object of at most 16 string values',
    store: 'a boolean',
    user: 'a string',
    service_tier: 'a string',
    parallel_tool_calls: 'a boolean',
    tools: "a non-empty list of { type: 'function', name, description?, parameters?, strict? } (names of letters, digits, _ or -)",
    tool_choice: "'none', 'auto', 'required' or { type: 'function', name }",
    seed: 'a non-negative integer',
    top_k: 'a non-negative integer (0 disables it)',
    min_p: 'a number from 0 to 1',
    repetition_penalty: 'a number greater than 0 and at most 10',
  };
}

export class ResponsesParser {
  private readonly check: ValidateFunction;
  private readonly rules: Record<string, string>;

  constructor(limits: RequestLimits) {
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
    this.check = ajv.compile(responsesSchema(limits));
    this.rules = responsesRules(limits);
  }

  parse(body: unknown): ParsedResponsesRequest {
    checkToolTypes(body);
    const request = validate(this.check, body, this.rules);
    const input: InputItem[] = typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : (request.input as InputItem[]);
    const options: Record<string, unknown> = {};
    const names: [string, keyof GenerateOptions][] = [
      ['temperature', 'temperature'],
      ['top_p', 'topP'],
      ['seed', 'seed'],
      ['top_k', 'topK'],
      ['min_p', 'minP'],
      ['repetition_penalty', 'repetitionPenalty'],
      ['max_output_tokens', 'maxTokens'],
    ];
    for (const [http, option] of names) if (request[http] != null) options[option] = request[http];
    const format = ((request.text as { format?: TextFormat | null } | null | undefined)?.format ?? { type: 'text' }) as TextFormat;
    const responseFormat = responseFormatOption(format);
    if (responseFormat) options.responseFormat = responseFormat;
    const tools = request.tools as ResponsesFunctionTool[] | null | undefined;
    const toolChoice = request.tool_choice as ResponsesToolChoice | null | undefined;
    const parallelToolCalls = request.parallel_tool_calls as boolean | null | undefined;
    Object.assign(options, toolOptions(tools, toolChoice, parallelToolCalls));
    return {
      model: request.model as string,
      input,
      instructions: (request.instructions as string | null | undefined) ?? undefined,
      previousResponseId: (request.previous_response_id as string | null | undefined) ?? undefined,
      options: options as GenerateOptions,
      format,
      stream: request.stream === true,
      store: request.store !== false,
      metadata: (request.metadata as Record<string, string> | null | undefined) ?? {},
      temperature: (request.temperature as number | null | undefined) ?? null,
      topP: (request.top_p as number | null | undefined) ?? null,
      maxOutputTokens: (request.max_output_tokens as number | null | undefined) ?? null,
      tools: tools ?? [],
      toolChoice: toolChoice ?? 'auto',
      parallelToolCalls: parallelToolCalls ?? true,
    };
  }
}
