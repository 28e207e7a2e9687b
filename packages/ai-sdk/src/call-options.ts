// One AI SDK call as one Backend request. Every setting either maps to a GenerateOptions field
// or is reported in the call's warnings; none is dropped silently.
import type { LanguageModelV4CallOptions, SharedV4Warning } from '@ai-sdk/provider';
import { parseProviderOptions } from '@ai-sdk/provider-utils';
import type { GenerateOptions, Message, ResponseFormat } from '@mlx-ts/spec';
import { toMessages } from './prompt.js';
import { knownProviderOptions, mlxProviderOptionsSchema } from './provider-options.js';
import { toTools } from './tools.js';

/** The key of this provider's `providerOptions` and `providerMetadata`. */
export const providerKey = 'mlx';

export interface PreparedCall {
  messages: Message[];
  options: GenerateOptions;
  warnings: SharedV4Warning[];
}

/** Copies the fields that are set: the Backend refuses unknown or undefined-valued options alike. */
function defined<T extends object>(entries: T): Partial<T> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function toResponseFormat(
  format: LanguageModelV4CallOptions['responseFormat'],
  strict: boolean | undefined,
  warnings: SharedV4Warning[],
): ResponseFormat | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.description !== undefined) {
    warnings.push({
      type: 'unsupported',
      feature: 'responseFormat.description',
      details: 'the output is constrained by the schema; its description is not shown to the model',
    });
  }
  if (format.schema === undefined) return { type: 'json_object' };
  return { type: 'json_schema', schema: format.schema as Record<string, unknown>, ...defined({ name: format.name }), strict: strict ?? true };
}

export async function prepareCall(call: LanguageModelV4CallOptions): Promise<PreparedCall> {
  const warnings: SharedV4Warning[] = [];
  const messages = toMessages(call.prompt, warnings);
  const extra = (await parseProviderOptions({ provider: providerKey, providerOptions: call.providerOptions, schema: mlxProviderOptionsSchema })) ?? {};
  for (const key of Object.keys(call.providerOptions?.[providerKey] ?? {})) {
    if (!knownProviderOptions.has(key)) warnings.push({ type: 'unsupported', feature: `providerOptions.${providerKey}.${key}` });
  }
  // The AI SDK adds its own user-agent to every call; other headers were set by the application.
  const headers = Object.entries(call.headers ?? {}).filter(([name, value]) => value !== undefined && name.toLowerCase() !== 'user-agent');
  if (headers.length > 0) {
    warnings.push({ type: 'unsupported', feature: 'headers', details: 'the model runs in this process; there is no HTTP request to send them with' });
  }
  if (call.reasoning !== undefined && call.reasoning !== 'provider-default' && call.reasoning !== 'none') {
    warnings.push({ type: 'unsupported', feature: 'reasoning', details: `reasoning effort "${call.reasoning}" has no meaning for these models` });
  }
  const { strictJsonSchema, logitBias, ...rest } = extra;
  const options: GenerateOptions = {
    ...defined({
      maxTokens: call.maxOutputTokens,
      temperature: call.temperature,
      topP: call.topP,
      topK: call.topK,
      presencePenalty: call.presencePenalty,
      frequencyPenalty: call.frequencyPenalty,
      seed: call.seed,
      stop: call.stopSequences !== undefined && call.stopSequences.length > 0 ? call.stopSequences : undefined,
      responseFormat: toResponseFormat(call.responseFormat, strictJsonSchema, warnings),
      logitBias: logitBias === undefined ? undefined : Object.fromEntries(Object.entries(logitBias).map(([id, bias]) => [Number(id), bias])),
    }),
    ...defined(rest),
    ...toTools(call.tools, call.toolChoice, warnings),
  };
  return { messages, options, warnings };
}
