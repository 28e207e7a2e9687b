// The Backend specification, version 1: what the server, the CLI, the AI SDK provider and
// applications program against. Types only; an implementation (MlxBackend, WorkerBackend, a
// remote or test backend) declares `specificationVersion: 'v1'`.

export const backendSpecificationVersion = 'v1';

export type Role = 'system' | 'user' | 'assistant' | 'tool';

export interface TextPart {
  type: 'text';
  text: string;
}

/** A piece of a message's content; text only in this version. */
export type ContentPart = TextPart;

/** A function call the model made, in OpenAI's shape; `arguments` is the JSON text the model wrote. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface Message {
  role: Role;
  /** Text, or parts; null only on an assistant message that carries tool calls. */
  content: string | readonly ContentPart[] | null;
  /** Assistant messages: the calls the model made. */
  toolCalls?: readonly ToolCall[];
  /** Tool messages: which call this is the result of. */
  toolCallId?: string;
  /** Tool messages: the function's name (some chat templates render it). */
  name?: string;
}

/** A JSON Schema object (draft 2020-12 subset); validated where it is used. */
export type JsonSchema = Record<string, unknown>;

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: JsonSchema; strict?: boolean };
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat = { type: 'text' } | { type: 'json_object' } | { type: 'json_schema'; schema: JsonSchema; name?: string; strict?: boolean };

export interface GenerateOptions {
  /** Most tokens to generate (default 256). */
  maxTokens?: number;
  /** 0 = greedy (default 0). */
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  /**
   * Divides positive (multiplies negative) logits of the tokens among the last 20 of the sequence
   * (> 1 discourages repeats). As mlx-lm, the window is the last 20 tokens of prompt plus generated text.
   */
  repetitionPenalty?: number;
  /**
   * Subtracted once from the logit of every token among the last 20 of the sequence — prompt plus
   * generated text, as mlx-lm; OpenAI's API counts the whole generated text instead.
   */
  presencePenalty?: number;
  /** Subtracted per occurrence among the last 20 tokens of prompt plus generated text (mlx-lm's window; OpenAI counts the whole generated text). */
  frequencyPenalty?: number;
  /** Token id → bias added to its logit. */
  logitBias?: Record<number, number>;
  /** Makes sampling reproducible. */
  seed?: number;
  /** Generation stops before any of these strings; they are not part of the text. */
  stop?: readonly string[];
  /** Return the log-probability of each generated token. */
  logprobs?: boolean;
  /** With logprobs: also this many most likely alternatives per position (0–20). */
  topLogprobs?: number;
  /** Keep generating past end-of-sequence tokens (benchmarks, as llama.cpp's ignore_eos). */
  ignoreEos?: boolean;
  /** Constrain the output: any JSON object, or JSON matching a schema. */
  responseFormat?: ResponseFormat;
  /** Constrain the output by a grammar (the syntax the structured-output engine speaks). */
  grammar?: string;
  /** Functions the model may call (rendered by the model's chat template). */
  tools?: readonly ToolDefinition[];
  toolChoice?: ToolChoice;
  /** Whether the model may make several calls in one turn (default true). */
  parallelToolCalls?: boolean;
}

export type FinishReason = 'stop' | 'length' | 'abort' | 'tool_calls';

export interface TokenLogprob {
  tokenId: number;
  token: string;
  logprob: number;
  top?: { tokenId: number; token: string; logprob: number }[];
}

export interface Usage {
  promptTokens: number;
  /** Prompt tokens whose KV state was reused from an earlier request instead of computed. */
  cachedPromptTokens: number;
  completionTokens: number;
}

export interface Timings {
  /** Request start to the first generated token, in milliseconds (queue wait excluded). */
  ttftMs: number;
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
  /** MLX's peak memory during the request, in bytes. */
  peakMemoryBytes: number;
  /** Time spent waiting in the queue, in milliseconds. */
  queueMs: number;
}

export interface GenerateResult {
  /** The generated text; with tool calls, the text outside them. */
  text: string;
  tokenIds: number[];
  finishReason: FinishReason;
  usage: Usage;
  timings: Timings;
  logprobs?: TokenLogprob[];
  toolCalls?: ToolCall[];
}

export type GenerateRequest = ({ prompt: string | readonly number[] } | { messages: readonly Message[] }) & GenerateOptions;

/** A text delta: concatenating the `text` of every text event gives the whole text, once. */
export interface TextEvent {
  type: 'text';
  text: string;
  tokenIds: number[];
  logprobs?: TokenLogprob[];
}

/**
 * A piece of a tool call as it is generated: the first event of a call carries `id` and `name`,
 * later ones fragments of `arguments` (concatenated they give the arguments' JSON text).
 */
export interface ToolCallDeltaEvent {
  type: 'tool-call-delta';
  /** Which call of this turn (0, 1, …). */
  index: number;
  id?: string;
  name?: string;
  argumentsDelta: string;
}

/** The last event: why generation ended and what it cost. The text is in the deltas, not repeated here. */
export interface DoneEvent {
  type: 'done';
  finishReason: FinishReason;
  usage: Usage;
  timings: Timings;
  /** Every complete tool call of the turn. */
  toolCalls?: ToolCall[];
}

export type GenerateEvent = TextEvent | ToolCallDeltaEvent | DoneEvent;

/** Notifications a caller may ask of `stream` / `streamChoices`; a backend may leave any of them uncalled. */
export interface StreamHooks {
  /**
   * Called once the backend has checked the request and queued it (before its first token, which
   * may be long after when the batch is full). An error before it is the request's own; a server
   * answers it with a status, and may start its response once this is called.
   */
  onAccepted?(): void;
}

export interface Backend extends AsyncDisposable {
  readonly specificationVersion: 'v1';
  readonly name: string;
  /** False, with `unavailableReason`, when MLX or the device cannot be used here. */
  available(): boolean;
  readonly unavailableReason?: string;
  /** Most tokens (prompt plus completion) one request may hold, when the backend knows it. */
  readonly contextLength?: number;
  generate(prompt: string | readonly number[], options?: GenerateOptions, signal?: AbortSignal): Promise<GenerateResult>;
  chat(messages: readonly Message[], options?: GenerateOptions, signal?: AbortSignal): Promise<GenerateResult>;
  /** Text and tool-call deltas, then one `done` event; the generator's return value is the whole result. */
  stream(request: GenerateRequest, signal?: AbortSignal, hooks?: StreamHooks): AsyncGenerator<GenerateEvent, GenerateResult>;
  /**
   * Optional: n generations of one prompt that share its prefill and run side by side (OpenAI's
   * `n`), each a stream as `stream` gives. A backend may refuse n > 1 together with
   * `responseFormat`, `grammar` or `tools`; callers then make n requests instead.
   */
  streamChoices?(request: GenerateRequest, n: number, signal?: AbortSignal, hooks?: StreamHooks): AsyncGenerator<GenerateEvent, GenerateResult>[];
}
