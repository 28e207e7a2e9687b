// Validates an OpenAI request body against its schema and maps it to the backend's camelCase
// GenerateOptions. Every rejection is an OpenAIError(400) whose `param` names the culprit.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { GenerateOptions, Message, ToolCall, ToolChoice, ToolDefinition } from '@mlx-ts/spec';
import { OpenAIError } from './openai-error.js';
import { chatCompletionSchema, completionSchema, defaultLimits, parameterRules, type RequestLimits } from './schemas.js';

interface CommonRequest {
  model: string;
  options: GenerateOptions;
  /** Choices per prompt. */
  n: number;
  stream: boolean;
  includeUsage: boolean;
}

export interface ParsedChatCompletionRequest extends CommonRequest {
  messages: Message[];
}

export interface ParsedCompletionRequest extends CommonRequest {
  /** One entry per prompt (a string or token ids); each gets `n` choices. */
  prompts: (string | number[])[];
}

/** Completions are short by default, as in OpenAI's API. */
const completionDefaultMaxTokens = 16;

export class RequestParser {
  private readonly chat: ValidateFunction;
  private readonly completion: ValidateFunction;
  private readonly rules: Record<string, string>;
  readonly limits: RequestLimits;

  constructor(limits: Partial<RequestLimits> = {}) {
    const all = { ...defaultLimits, ...limits };
    this.limits = all;
    this.rules = parameterRules(all);
    const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true, coerceTypes: false, useDefaults: false, removeAdditional: false });
    this.chat = ajv.compile(chatCompletionSchema(all));
    this.completion = ajv.compile(completionSchema(all));
  }

  parseChatCompletion(body: unknown): ParsedChatCompletionRequest {
    const request = validate(this.chat, body, this.rules);
    if (request.top_logprobs != null && request.logprobs !== true) {
      throw OpenAIError.invalidRequest('top_logprobs needs logprobs: true; set logprobs or drop top_logprobs.', 'top_logprobs');
    }
    const maxTokens = (request.max_completion_tokens ?? request.max_tokens) as number | null | undefined;
    const options = samplingOptions(request, maxTokens ?? undefined);
    if (request.logprobs === true) {
      options.logprobs = true;
      options.topLogprobs = (request.top_logprobs as number | null | undefined) ?? 0;
    }
    Object.assign(options, structuredOptions(request), toolOptions(request));
    const messages = (request.messages as RawMessage[]).map(toMessage);
    return { ...common(request), messages, options };
  }

  parseCompletion(body: unknown): ParsedCompletionRequest {
    const request = validate(this.completion, body, this.rules);
    const n = (request.n as number | null | undefined) ?? 1;
    if (request.best_of != null && request.best_of !== n) {
      throw OpenAIError.invalidRequest(`best_of must equal n (${n}): this server returns every candidate it generates.`, 'best_of');
    }
    const options = samplingOptions(request, (request.max_tokens as number | null | undefined) ?? completionDefaultMaxTokens);
    Object.assign(options, structuredOptions(request));
    if (request.logprobs != null) {
      options.logprobs = true;
      options.topLogprobs = request.logprobs as number;
    }
    const prompt = request.prompt as string | string[] | number[] | number[][];
    let prompts: (string | number[])[];
    if (typeof prompt === 'string') prompts = [prompt];
    else if (typeof prompt[0] === 'number') prompts = [prompt as number[]];
    else prompts = prompt as (string | number[])[];
    return { ...common(request), prompts, options };
  }
}

type RawRequest = Record<string, unknown>;

interface RawMessage {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  content?: string | { type: 'text'; text: string }[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
}

function toMessage(message: RawMessage, index: number): Message {
  // OpenAI's newer "developer" role plays the part the system role plays in chat templates.
  const role = message.role === 'developer' ? 'system' : message.role;
  const at = `messages[${index}]`;
  if (message.tool_calls !== undefined && role !== 'assistant') {
    throw OpenAIError.invalidRequest(`Invalid parameter: '${at}.tool_calls' is only allowed on assistant messages.`, `${at}.tool_calls`);
  }
  if (role === 'tool' && message.tool_call_id === undefined) {
    throw OpenAIError.invalidRequest(
      `Missing required parameter: '${at}.tool_call_id'; a tool message answers the call with that id.`,
      `${at}.tool_call_id`,
      'missing_required_parameter',
    );
  }
  if ((message.content === undefined || message.content === null) && !(role === 'assistant' && message.tool_calls)) {
    throw OpenAIError.invalidRequest(
      `Missing required parameter: '${at}.content'; only an assistant message with tool_calls may leave it null.`,
      `${at}.content`,
      'missing_required_parameter',
    );
  }
  const content = message.content == null ? null : typeof message.content === 'string' ? message.content : message.content.map((part) => part.text).join('\n');
  const out: Message = { role, content };
  if (message.tool_calls) out.toolCalls = message.tool_calls;
  if (message.tool_call_id !== undefined) out.toolCallId = message.tool_call_id;
  if (message.name !== undefined && role === 'tool') out.name = message.name;
  return out;
}

type RawResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean | null } };

/** A requested output format, as the chat and Responses APIs both carry it once unwrapped. */
export type OutputFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema?: Record<string, unknown>; strict?: boolean | null };

/** An output format → the Backend's responseFormat (undefined for text); the schema itself is checked by the backend's engine. */
export function responseFormatOption(format: OutputFormat | null | undefined): GenerateOptions['responseFormat'] {
  if (format == null || format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  const { name, schema, strict } = format;
  // OpenAI allows a json_schema without a schema: any JSON object then.
  return { type: 'json_schema', schema: schema ?? { type: 'object' }, name, ...(strict == null ? {} : { strict }) };
}

/** response_format (json_schema wraps its fields in `json_schema`) → responseFormat. */
function structuredOptions(request: RawRequest): Partial<GenerateOptions> {
  const format = request.response_format as RawResponseFormat | null | undefined;
  const responseFormat = responseFormatOption(format?.type === 'json_schema' ? { type: 'json_schema', ...format.json_schema } : format);
  return responseFormat ? { responseFormat } : {};
}

function toolOptions(request: RawRequest): Partial<GenerateOptions> {
  const options: Partial<GenerateOptions> = {};
  if (request.tools != null) options.tools = request.tools as ToolDefinition[];
  if (request.tool_choice != null) {
    if (request.tools == null && request.tool_choice !== 'none') {
      throw OpenAIError.invalidRequest("Invalid value for 'tool_choice': it is only allowed when 'tools' are given.", 'tool_choice');
    }
    const choice = request.tool_choice as ToolChoice;
    if (typeof choice === 'object' && !(request.tools as ToolDefinition[]).some((tool) => tool.function.name === choice.function.name)) {
      throw OpenAIError.invalidRequest(`Invalid value for 'tool_choice': the function '${choice.function.name}' is not in 'tools'.`, 'tool_choice');
    }
    options.toolChoice = choice;
  }
  if (request.parallel_tool_calls != null) options.parallelToolCalls = request.parallel_tool_calls as boolean;
  return options;
}

function common(request: RawRequest): CommonRequest & { options: GenerateOptions } {
  const stream = request.stream === true;
  if (request.stream_options != null && !stream) {
    throw OpenAIError.invalidRequest('stream_options is only allowed with stream: true.', 'stream_options');
  }
  const streamOptions = request.stream_options as { include_usage?: boolean | null } | null | undefined;
  return {
    model: request.model as string,
    n: (request.n as number | null | undefined) ?? 1,
    stream,
    includeUsage: streamOptions?.include_usage === true,
    options: {},
  };
}

const optionNames: [string, keyof GenerateOptions][] = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['top_k', 'topK'],
  ['min_p', 'minP'],
  ['repetition_penalty', 'repetitionPenalty'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
  ['seed', 'seed'],
];

function samplingOptions(request: RawRequest, maxTokens: number | undefined): GenerateOptions {
  const options: Record<string, unknown> = {};
  for (const [httpName, optionName] of optionNames) {
    if (request[httpName] != null) options[optionName] = request[httpName];
  }
  if (maxTokens !== undefined) options.maxTokens = maxTokens;
  if (request.stop != null) options.stop = typeof request.stop === 'string' ? [request.stop] : request.stop;
  if (request.logit_bias != null) {
    options.logitBias = Object.fromEntries(Object.entries(request.logit_bias as Record<string, number>).map(([id, bias]) => [Number(id), bias]));
  }
  return options as GenerateOptions;
}

export function validate(check: ValidateFunction, body: unknown, rules: Record<string, string>): RawRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw OpenAIError.invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  }
  if (!check(body)) throw describe(check.errors?.[0], body as RawRequest, rules);
  return body as RawRequest;
}

/** '/messages/0/role' → 'messages[0].role' */
function paramPath(instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  return parts.map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

function valueAt(body: RawRequest, instancePath: string): unknown {
  let value: unknown = body;
  for (const part of instancePath.split('/').slice(1)) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const roles = ['system', 'developer', 'user', 'assistant'];

function describe(error: ErrorObject | undefined, body: RawRequest, parameterRules: Record<string, string>): OpenAIError {
  if (!error) return OpenAIError.invalidRequest('The request body does not match the API schema.');
  if (error.keyword === 'additionalProperties') {
    const name = (error.params as { additionalProperty: string }).additionalProperty;
    const param = paramPath(error.instancePath, name);
    return OpenAIError.invalidRequest(
      `Unsupported parameter: '${param}'. This server does not implement it; remove it from the request.`,
      param,
      'unsupported_parameter',
    );
  }
  if (error.keyword === 'required') {
    const param = paramPath(error.instancePath, (error.params as { missingProperty: string }).missingProperty);
    const rule = parameterRules[param];
    return OpenAIError.invalidRequest(`Missing required parameter: '${param}'${rule ? `; it must be ${rule}` : ''}.`, param, 'missing_required_parameter');
  }
  const segments = error.instancePath.split('/');
  if (segments[1] === 'messages' && segments[3] === 'role') {
    const param = paramPath(error.instancePath);
    return OpenAIError.invalidRequest(
      `Invalid role in '${param}': got ${shortJson(valueAt(body, error.instancePath))}; it must be one of ${roles.map((r) => `'${r}'`).join(', ')}.`,
      param,
      'invalid_value',
    );
  }
  const topLevel = segments[1] ?? '';
  // For a bad message, name the message field; for anything else, the top-level parameter.
  const path = topLevel === 'messages' ? error.instancePath.split('/').slice(0, 4).join('/') : `/${topLevel}`;
  const param = paramPath(path);
  const rule = parameterRules[topLevel] ?? 'valid';
  return OpenAIError.invalidRequest(`Invalid value for '${param}': got ${shortJson(valueAt(body, path))}; it must be ${rule}.`, param, 'invalid_value');
}
