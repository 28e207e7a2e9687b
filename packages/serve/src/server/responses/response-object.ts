// The Responses API's objects: the `response` (status, output items, usage), the message item
// holding the generated text and the function_call item of each call the model made.
import type { FinishReason, ToolCall, Usage } from '@mlx-ts/backend';
import type { ParsedResponsesRequest } from './responses-schema.js';

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete';

export function outputTextPart(text: string) {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

export function messageItem(id: string, status: 'in_progress' | 'completed' | 'incomplete', text?: string) {
  return { id, type: 'message', status, role: 'assistant', content: text === undefined ? [] : [outputTextPart(text)] };
}

/** `id` is the item's own; `call_id` the call's, which the function_call_output answering it names. */
export function functionCallItem(id: string, status: 'in_progress' | 'completed', call: ToolCall) {
  return { id, type: 'function_call', status, call_id: call.id, name: call.function.name, arguments: call.function.arguments };
}

export function responseUsage(usage: Usage) {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedPromptTokens },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

export function statusFor(reason: FinishReason): { status: ResponseStatus; incomplete_details: { reason: string } | null } {
  return reason === 'length'
    ? { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } }
    : { status: 'completed', incomplete_details: null };
}

export interface ResponseShell {
  id: string;
  created_at: number;
  model: string;
  request: ParsedResponsesRequest;
  defaults: { temperature?: number; topP?: number; maxTokens?: number };
}

export function responseObject(
  shell: ResponseShell,
  fields: { status: ResponseStatus; incomplete_details?: { reason: string } | null; output: unknown[]; usage: Usage | null },
) {
  const { request, defaults } = shell;
  return {
    id: shell.id,
    object: 'response',
    created_at: shell.created_at,
    status: fields.status,
    error: null,
    incomplete_details: fields.incomplete_details ?? null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.maxOutputTokens ?? defaults.maxTokens ?? null,
    model: shell.model,
    output: fields.output,
    parallel_tool_calls: request.parallelToolCalls,
    previous_response_id: request.previousResponseId ?? null,
    reasoning: { effort: null, summary: null },
    store: request.store,
    temperature: request.temperature ?? defaults.temperature ?? 1,
    text: { format: request.format },
    tool_choice: request.toolChoice,
    tools: request.tools.map((tool) => ({ description: null, parameters: null, strict: null, ...tool })),
    top_p: request.topP ?? defaults.topP ?? 1,
    truncation: 'disabled',
    usage: fields.usage ? responseUsage(fields.usage) : null,
    metadata: request.metadata,
  };
}
