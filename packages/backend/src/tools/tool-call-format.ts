// How one model family writes tool calls, and how its chat template wants tools, calls and
// results. The family is chosen from the chat template (as mlx-lm does): the markers a
// template prints are the markers its model was trained to write.
import type { ToolCallSyntax } from '@mlx-ts/structured';
import type { ToolCall, ToolDefinition } from '../types.js';

/** A call as parsed from text, before it gets an id. */
export interface ParsedToolCall {
  name: string;
  /** The arguments' JSON text. */
  arguments: string;
}

export interface ToolCallFormat {
  readonly name: 'hermes' | 'llama3' | 'mistral' | 'prompted';
  /** How the model writes a call; the constraint and the parser share it. */
  readonly syntax: ToolCallSyntax;
  /** What follows the call's JSON object (`</tool_call>`, `]`, or nothing). */
  readonly closing: string;
  /**
   * Control tokens the markers are made of (e.g. `[TOOL_CALLS]`). The detokenizer hides special
   * tokens, so these are passed to the parser as text, and the constraint may produce them.
   */
  readonly markerTokens: readonly string[];
  /** Whether the chat template renders `tools` itself; otherwise the format writes them into the system prompt. */
  readonly templateRendersTools: boolean;
  /** Parses one complete call written with `syntax` (the text between the markers included). */
  parseCall(text: string): ParsedToolCall | undefined;
}

/** A call's JSON body: `{"name": ..., "<argumentsKey>": {...}}`. */
export function parseCallBody(json: string, argumentsKeys: readonly string[]): ParsedToolCall | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.name !== 'string') return undefined;
  const key = argumentsKeys.find((k) => k in record);
  const args = key === undefined ? {} : record[key];
  return { name: record.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}

export function toolCallId(index: number): string {
  const random = Math.random().toString(36).slice(2, 11);
  return `call_${random}${index}`;
}

export function withIds(calls: readonly ParsedToolCall[]): ToolCall[] {
  return calls.map((call, i) => ({ id: toolCallId(i), type: 'function', function: { name: call.name, arguments: call.arguments } }));
}

export type { ToolDefinition };
