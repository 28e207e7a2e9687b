// The Backend contract: what the server, the CLI and applications program against.

export type Role = 'system' | 'user' | 'assistant';

export interface Message {
  role: Role;
  content: string;
}

export interface GenerateOptions {
  /** Most tokens to generate (default 256). */
  maxTokens?: number;
  /** 0 = greedy (default 0). */
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  /** Multiplies the logits of recently seen tokens (> 1 discourages repeats). */
  repetitionPenalty?: number;
  /** Subtracted once from the logit of every token already generated (OpenAI's definition). */
  presencePenalty?: number;
  /** Subtracted per occurrence from the logit of every token already generated. */
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
}

export type FinishReason = 'stop' | 'length' | 'abort';

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
  text: string;
  tokenIds: number[];
  finishReason: FinishReason;
  usage: Usage;
  timings: Timings;
  logprobs?: TokenLogprob[];
}

export type GenerateRequest = ({ prompt: string | readonly number[] } | { messages: readonly Message[] }) & GenerateOptions;

export type GenerateEvent =
  | { type: 'text'; text: string; tokenIds: number[]; logprobs?: TokenLogprob[] }
  | ({ type: 'done' } & GenerateResult);

export interface Backend extends AsyncDisposable {
  readonly name: string;
  /** False, with `unavailableReason`, when MLX or the device cannot be used here. */
  available(): boolean;
  readonly unavailableReason?: string;
  /** Most tokens (prompt plus completion) one request may hold, when the backend knows it. */
  readonly contextLength?: number;
  generate(prompt: string | readonly number[], options?: GenerateOptions, signal?: AbortSignal): Promise<GenerateResult>;
  chat(messages: readonly Message[], options?: GenerateOptions, signal?: AbortSignal): Promise<GenerateResult>;
  /** Text deltas, then one `done` event carrying the whole result. */
  stream(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerateEvent, GenerateResult>;
}
