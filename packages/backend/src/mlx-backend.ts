// MlxBackend: a loaded model plus the batching engine around it. Every request becomes rows of
// one scheduler that decodes all running rows in one forward pass (see engine/batch-scheduler);
// one request alone is a batch of one. Prompt prefixes are reused across requests.
import * as mx from '@mlx-ts/core';
import { type LoadedModel, type LoadModelOptions, loadModel } from '@mlx-ts/models';
import { type LogitsProcessor, RowSampler, makeLogitsProcessors } from '@mlx-ts/sample';
import type { Tokenizer } from '@mlx-ts/tokenizer';
import { BatchScheduler, type SchedulerCounters, type SubmittedRequest } from './engine/batch-scheduler.js';
import type { Sequence } from './engine/sequence.js';
import { StepLeader } from './engine/step-broadcast.js';
import { type FollowOptions, followSteps } from './engine/step-follower.js';
import type { GeneratedToken } from './engine/token-channel.js';
import { BackendClosedError, InvalidRequestError } from './errors.js';
import { StopMatcher } from './stop-matcher.js';
import {
  StructuredOutput,
  type ToolPlan,
  ToolCallStream,
  type ToolStreamPiece,
  requestConstraint,
  templateInput,
  toolCallId,
  toolPlan,
} from './tools/index.js';
import type {
  Backend,
  FinishReason,
  GenerateEvent,
  GenerateOptions,
  GenerateRequest,
  GenerateResult,
  Message,
  StreamHooks,
  TokenLogprob,
  ToolCall,
} from './types.js';
import { type ResolvedOptions, resolveOptions } from './validate-options.js';

export interface MlxBackendOptions extends LoadModelOptions {
  /** Requests that may wait for room in the batch; more are refused with BackendBusyError (default 64). */
  maxQueue?: number;
  /** Sequences decoded together at most (default 16). */
  maxBatch?: number;
  /** KV-cache tokens the running sequences may hold; new requests wait past it (default: from the device's free memory). */
  maxKvTokens?: number;
  /** Default for GenerateOptions.maxTokens (default 512). */
  defaultMaxTokens?: number;
  /** Prompt tokens processed per forward pass during prefill (default 2048). */
  prefillChunkSize?: number;
  /** Waiting requests prefilled together in one padded forward pass at most (default 8; 1 turns it off). */
  prefillBatch?: number;
  /** A display name (default: the model path). */
  name?: string;
  /** Reuse the KV state of earlier prompts when a prompt continues one (default true). */
  reusePromptPrefix?: boolean;
  /** Memory for cached prompt prefixes (default 256 MiB). */
  prefixCacheBytes?: number;
  /** Keep the KV caches quantized to this many bits (2, 3, 4, 5, 6 or 8; mlx-lm's --kv-bits): less memory per token, more tokens in the batch. */
  kvBits?: number;
  /** Elements per KV quantization group (32, 64 or 128; default 64; mlx-lm's --kv-group-size). */
  kvGroupSize?: number;
  /**
   * Per-request logits processors beside the built-in penalties (e.g. a grammar): called once per
   * row with the request's options; rows with and without them share one batch.
   */
  logitsProcessors?: (options: GenerateOptions, promptIds: readonly number[]) => LogitsProcessor[];
  /**
   * With a `group` of more than one rank (this is rank 0; the others run MlxBackend.follow):
   * called once when a collective fails, i.e. a rank died or lost its connection. The group
   * cannot continue; later requests fail with the same DistributedError. A server exits here.
   */
  onGroupFailure?: (error: Error) => void;
}

/** What MlxBackend.follow needs: the model loaded as rank 0 loads it, and caches of the same kind. */
export type FollowerOptions = Pick<MlxBackendOptions, 'dtype' | 'keepQuantized' | 'requantizeLossy' | 'onProgress' | 'signal' | 'parallelism' | 'hub'> &
  FollowOptions & {
    /** This rank's group; when omitted, started here with mx.distributed.init({ ...distributed, strict: true }). */
    group?: mx.distributed.Group;
    distributed?: Omit<mx.InitOptions, 'strict'>;
    /** Called once this rank's part of the model is loaded, with the bytes MLX holds for it. */
    onLoaded?: (info: { rank: number; size: number; activeMemoryBytes: number }) => void;
  };

/** What a running MlxBackend is doing, for metrics. */
export interface EngineStats extends SchedulerCounters {
  activeSequences: number;
  queueDepth: number;
  kvTokensInUse: number;
  prefixCacheBytes: number;
  /** MLX arrays alive in this process (a leak shows as growth between idle moments). */
  liveArrays: number;
  /** Bytes MLX holds for live arrays (not its buffer cache). */
  activeMemoryBytes: number;
}

/** Called once per finished row (for latency metrics). */
export type RequestObserver = (timing: { ttftMs: number; interTokenMs: number[]; promptTokens: number; completionTokens: number }) => void;

const roles = new Set(['system', 'user', 'assistant', 'tool']);

function validContent(message: Message): boolean {
  const content = message.content;
  if (typeof content === 'string') return true;
  if (content === null) return message.role === 'assistant' && (message.toolCalls?.length ?? 0) > 0;
  return Array.isArray(content) && content.every((part) => part?.type === 'text' && typeof part.text === 'string');
}

function checkMessages(messages: unknown): asserts messages is readonly Message[] {
  if (!Array.isArray(messages) || messages.length === 0) throw new InvalidRequestError('messages must be a non-empty list', 'messages');
  messages.forEach((m, i) => {
    if (typeof m !== 'object' || m === null || !roles.has((m as Message).role) || !validContent(m as Message)) {
      throw new InvalidRequestError(
        `messages[${i}] must be { role: 'system' | 'user' | 'assistant' | 'tool', content: string | text parts } (null only beside toolCalls)`,
        'messages',
      );
    }
  });
}

export class MlxBackend implements Backend {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  private readonly scheduler: BatchScheduler;
  private readonly structured: StructuredOutput;
  private readonly observers = new Set<RequestObserver>();
  private readonly leader: StepLeader | undefined;
  private closed = false;

  private constructor(
    private readonly loaded: LoadedModel,
    private readonly options: MlxBackendOptions,
  ) {
    this.name = options.name ?? loaded.source;
    this.structured = new StructuredOutput(loaded.tokenizer, loaded.config.vocabSize, loaded.config.eosTokenIds);
    const group = options.group;
    if (group && group.size > 1) this.leader = new StepLeader(group, (error) => options.onGroupFailure?.(error));
    this.scheduler = new BatchScheduler(loaded.model, {
      maxBatch: options.maxBatch,
      maxQueue: options.maxQueue,
      maxKvTokens: options.maxKvTokens,
      prefillChunkSize: options.prefillChunkSize,
      prefillBatch: options.prefillBatch,
      // The other ranks mirror the batch caches step by step, not a prefix cache: reuse is off when distributed.
      prefixCacheBytes: options.reusePromptPrefix === false || this.leader ? 0 : options.prefixCacheBytes,
      leader: this.leader,
      kvBits: options.kvBits,
      kvGroupSize: options.kvGroupSize,
    });
  }

  /** Loads a model folder or .gguf file (see @mlx-ts/models' loadModel). */
  static async load(pathOrGguf: string, options: MlxBackendOptions = {}): Promise<MlxBackend> {
    const group = options.group;
    if (group && group.size > 1 && group.rank !== 0) {
      throw new mx.DistributedError(
        `MlxBackend.load runs on rank 0 of a distributed group (this is rank ${group.rank} of ${group.size}); the other ranks run MlxBackend.follow`,
      );
    }
    const loaded = await loadModel(pathOrGguf, options);
    return new MlxBackend(loaded, options);
  }

  /**
   * The loop of a rank other than 0 in a distributed group: loads its part of the model and runs
   * every forward pass rank 0's MlxBackend announces, until rank 0 is disposed (resolves) or the
   * group fails (rejects with a DistributedError).
   */
  static async follow(pathOrGguf: string, options: FollowerOptions): Promise<void> {
    const group = options.group ?? mx.distributed.init({ ...options.distributed, strict: true });
    if (group.size < 2 || group.rank === 0) {
      throw new mx.DistributedError(
        `MlxBackend.follow runs on the ranks other than 0 of a group of two or more (this is rank ${group.rank} of ${group.size}); rank 0 runs MlxBackend.load`,
      );
    }
    const loaded = await loadModel(pathOrGguf, { ...options, group });
    options.onLoaded?.({ rank: group.rank, size: group.size, activeMemoryBytes: mx.memory.getActiveMemory() });
    try {
      await followSteps(loaded.model, group, options);
    } finally {
      loaded.dispose();
    }
  }

  get contextLength(): number {
    return this.loaded.config.maxPositionEmbeddings;
  }

  get tokenizer(): Tokenizer {
    return this.loaded.tokenizer;
  }

  get unavailableReason(): string | undefined {
    if (this.leader?.failed) return `the distributed group failed: ${this.leader.failed.message}`;
    return this.closed ? 'the backend was disposed' : mx.unavailableReason();
  }

  available(): boolean {
    return this.unavailableReason === undefined;
  }

  /** Requests waiting for room in the batch. */
  get queuedRequests(): number {
    return this.scheduler.queueDepth;
  }

  /** The engine's gauges and counters. */
  stats(): EngineStats {
    const s = this.scheduler;
    return {
      ...s.counters,
      activeSequences: s.activeSequences,
      queueDepth: s.queueDepth,
      kvTokensInUse: s.kvTokensInUse,
      prefixCacheBytes: s.prefixCacheBytes,
      liveArrays: mx.liveArrayCount(),
      activeMemoryBytes: mx.memory.getActiveMemory(),
    };
  }

  /** Calls `observer` with the timings of every finished sequence; returns a function that stops it. */
  observe(observer: RequestObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Forgets the cached prompt prefixes (they are rebuilt by later requests). */
  clearPrefixCache(): void {
    this.scheduler.clearPrefixCache();
  }

  async generate(prompt: string | readonly number[], options: GenerateOptions = {}, signal?: AbortSignal): Promise<GenerateResult> {
    return collect(this.stream({ ...options, prompt }, signal));
  }

  async chat(messages: readonly Message[], options: GenerateOptions = {}, signal?: AbortSignal): Promise<GenerateResult> {
    return collect(this.stream({ ...options, messages }, signal));
  }

  /** The prompt token ids of a request. */
  private promptIds(request: GenerateRequest): number[] {
    const tokenizer = this.loaded.tokenizer;
    if ('messages' in request && request.messages !== undefined) {
      checkMessages(request.messages);
      const plan = toolPlan(request);
      const input = templateInput(request.messages, plan?.tools, this.structured.format);
      try {
        return tokenizer.encodeChat(input.messages, { addGenerationPrompt: true, ...(input.tools ? { tools: input.tools } : {}) });
      } catch (error) {
        // The model's own template refused the conversation (e.g. roles out of order).
        throw new InvalidRequestError(`the chat template rejected these messages: ${(error as Error).message}`, 'messages');
      }
    }
    const prompt = (request as { prompt?: unknown }).prompt;
    if (typeof prompt === 'string') return tokenizer.encode(prompt);
    if (Array.isArray(prompt) && prompt.every((id) => Number.isInteger(id) && id >= 0 && id < this.loaded.config.vocabSize)) return [...prompt];
    throw new InvalidRequestError('prompt must be a string or a list of token ids of this model', 'prompt');
  }

  async *stream(request: GenerateRequest, signal?: AbortSignal, hooks?: StreamHooks): AsyncGenerator<GenerateEvent, GenerateResult> {
    if (this.closed) throw new BackendClosedError();
    // Structured output: the constraint is compiled before the request joins the batch, so a bad
    // schema fails fast and compiling never holds the model.
    const plan = toolPlan(request);
    const constraint = requestConstraint(request, plan, this.structured.format);
    const param = constraint?.type === 'structural_tag' ? 'tools' : request.grammar !== undefined ? 'grammar' : 'responseFormat';
    const constrained = constraint ? await this.structured.processor(constraint, param) : undefined;
    try {
      const [choice] = this.startChoices(request, 1, signal, { processor: constrained, tools: plan }, hooks);
      return yield* choice;
    } finally {
      constrained?.dispose();
    }
  }

  /**
   * `n` completions of one request (OpenAI's `n`): n rows over one prefill, each sampled on its
   * own (seeded requests give row i the seed + i). Each stream is consumed on its own; aborting
   * `signal` stops them all.
   */
  streamChoices(request: GenerateRequest, n: number, signal?: AbortSignal, hooks?: StreamHooks): AsyncGenerator<GenerateEvent, GenerateResult>[] {
    const plan = toolPlan(request);
    if (n > 1 && (plan || requestConstraint(request, plan, this.structured.format))) {
      throw new InvalidRequestError('n > 1 is not supported with responseFormat, grammar or tools; make n requests instead', 'n');
    }
    return this.startChoices(request, n, signal, { tools: plan }, hooks);
  }

  private startChoices(
    request: GenerateRequest,
    n: number,
    signal: AbortSignal | undefined,
    structured: { processor?: LogitsProcessor; tools?: ToolPlan },
    hooks?: StreamHooks,
  ): AsyncGenerator<GenerateEvent, GenerateResult>[] {
    if (this.closed) throw new BackendClosedError();
    if (!Number.isInteger(n) || n < 1 || n > this.scheduler.maxBatch)
      throw new InvalidRequestError(`n must be an integer from 1 to ${this.scheduler.maxBatch} (the batch size)`, 'n');
    // Structured-output and tool options were checked by toolPlan / requestConstraint.
    const {
      prompt: _p,
      messages: _m,
      responseFormat: _f,
      grammar: _g,
      tools: _t,
      toolChoice: _c,
      parallelToolCalls: _l,
      ...rest
    } = request as GenerateRequest & {
      prompt?: unknown;
      messages?: unknown;
    };
    const config = this.loaded.config;
    const options = resolveOptions(rest, { maxTokens: this.options.defaultMaxTokens ?? 512, vocabSize: config.vocabSize });
    const promptIds = this.promptIds(request);
    if (promptIds.length === 0) throw new InvalidRequestError('the prompt is empty', 'prompt');
    if (promptIds.length >= config.maxPositionEmbeddings) {
      throw new InvalidRequestError(
        `the prompt has ${promptIds.length} tokens; this model's context holds ${config.maxPositionEmbeddings}. Shorten the prompt.`,
        'messages' in request ? 'messages' : 'prompt',
      );
    }
    if (rest.maxTokens !== undefined && promptIds.length + options.maxTokens > config.maxPositionEmbeddings) {
      throw new InvalidRequestError(
        `the prompt has ${promptIds.length} tokens and maxTokens asks for ${options.maxTokens} more, past this model's context of ${config.maxPositionEmbeddings}. Ask for at most ${config.maxPositionEmbeddings - promptIds.length}.`,
        'maxTokens',
      );
    }
    // A request needs its prompt's KV tokens on every row at once: past the budget it could never start.
    const kvTokens = promptIds.length * n;
    if (kvTokens > this.scheduler.maxKvTokens) {
      throw new InvalidRequestError(
        `the prompt needs ${kvTokens} KV-cache tokens (${promptIds.length} tokens × ${n} ${n === 1 ? 'row' : 'rows'}), more than the ${this.scheduler.maxKvTokens} this backend holds (maxKvTokens; mlx-ts serve --max-kv-tokens). Shorten the prompt or raise the limit.`,
        'messages' in request ? 'messages' : 'prompt',
      );
    }
    signal?.throwIfAborted();
    const maxTokens = Math.min(options.maxTokens, config.maxPositionEmbeddings - promptIds.length);
    const eos = new Set(options.ignoreEos ? [] : config.eosTokenIds);
    const rows = Array.from({ length: n }, (_, i) => ({
      sampler: new RowSampler({
        temperature: options.temperature,
        topP: options.topP,
        topK: options.topK,
        minP: options.minP,
        seed: options.seed === undefined ? undefined : options.seed + i,
      }),
      processors: [
        ...makeLogitsProcessors({
          repetitionPenalty: options.repetitionPenalty,
          presencePenalty: options.presencePenalty,
          frequencyPenalty: options.frequencyPenalty,
          logitBias: options.logitBias,
        }),
        ...(this.options.logitsProcessors?.(rest, promptIds) ?? []),
        // The constraint runs after the penalties, so its -inf mask is final.
        ...(structured.processor ? [structured.processor] : []),
      ],
      maxTokens,
      eos,
      logprobs: options.logprobs,
      topLogprobs: options.topLogprobs,
    }));
    const start = performance.now();
    const submitted = this.scheduler.submit({ promptIds, rows });
    hooks?.onAccepted?.();
    const onAbort = () => submitted.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    let open = n;
    const closeOne = () => {
      if (--open === 0) signal?.removeEventListener('abort', onAbort);
    };
    return submitted.sequences.map((sequence) => this.consume(sequence, submitted, promptIds, options, start, signal, closeOne, structured.tools));
  }

  private async *consume(
    sequence: Sequence,
    submitted: SubmittedRequest,
    promptIds: readonly number[],
    options: ResolvedOptions,
    start: number,
    signal: AbortSignal | undefined,
    closeOne: () => void,
    tools: ToolPlan | undefined,
  ): AsyncGenerator<GenerateEvent, GenerateResult> {
    const { tokenizer } = this.loaded;
    // Tool calls are parsed out of the text unless the request said toolChoice 'none'.
    const toolStream = tools && tools.mode !== 'none' ? new ToolCallStream(this.structured.format) : undefined;
    const toolCalls: ToolCall[] = [];
    const detokenizer = tokenizer.createStreamingDetokenizer({ skipSpecialTokens: true });
    const stopper = new StopMatcher(options.stop);
    const completion: number[] = [];
    const logprobs: TokenLogprob[] = [];
    const tokenTimes: number[] = [];
    let text = '';
    let finishReason: FinishReason = 'length';
    let matchedStop = false;
    let pendingIds: number[] = [];
    let pendingLogprobs: TokenLogprob[] = [];
    let finished = false;
    // Text and tool calls as stream events; token ids and logprobs ride on the next text event.
    const pieceEvents = function* (pieces: readonly ToolStreamPiece[]): Generator<GenerateEvent> {
      for (const piece of pieces) {
        if (piece.type === 'text') {
          text += piece.text;
          yield { type: 'text', text: piece.text, tokenIds: pendingIds, ...(options.logprobs ? { logprobs: pendingLogprobs } : {}) };
          pendingIds = [];
          pendingLogprobs = [];
        } else {
          const index = toolCalls.length;
          const call: ToolCall = { id: toolCallId(index), type: 'function', function: { name: piece.call.name, arguments: piece.call.arguments } };
          toolCalls.push(call);
          yield { type: 'tool-call-delta', index, id: call.id, name: call.function.name, argumentsDelta: '' };
          yield { type: 'tool-call-delta', index, argumentsDelta: call.function.arguments };
        }
      }
    };
    try {
      for await (const token of sequence.channel) {
        tokenTimes.push(performance.now());
        completion.push(token.id);
        pendingIds.push(token.id);
        if (options.logprobs) {
          const entry = this.describeLogprob(token);
          pendingLogprobs.push(entry);
          logprobs.push(entry);
        }
        // An id beyond the tokenizer's vocabulary (a model whose embedding has spare rows) has no
        // text; a tool-call marker token is text for the tool-call parser although it is special.
        const delta = this.structured.markerIds.get(token.id) ?? (token.id < tokenizer.vocabSize ? detokenizer.push(token.id) : '');
        const { emit, stopped } = stopper.push(delta);
        for (const event of pieceEvents(emit ? (toolStream ? toolStream.push(emit) : [{ type: 'text', text: emit }]) : [])) yield event;
        if (stopped) {
          finishReason = 'stop';
          matchedStop = true;
          sequence.cancelled = true;
          break;
        }
        if (signal?.aborted) break;
      }
      if (!matchedStop) {
        const reason = sequence.channel.reason;
        finishReason = signal?.aborted || reason === 'cancel' ? 'abort' : reason === 'stop' ? 'stop' : 'length';
      }
      finished = true;
    } finally {
      // The consumer stopped early (or the row failed): the row leaves the batch at the next step.
      if (!sequence.finished) sequence.cancelled = true;
      closeOne();
      if (!finished && signal?.aborted) finishReason = 'abort';
    }
    const { cachedTokens, queueMs } = await submitted.started;
    // Text held back for a possible stop string (or an unfinished character) is released at the end.
    const tail = matchedStop ? '' : stopper.push(detokenizer.flush()).emit + stopper.flush();
    const tailPieces: ToolStreamPiece[] = toolStream
      ? [...(tail ? toolStream.push(tail) : []), ...toolStream.flush()]
      : tail
        ? [{ type: 'text', text: tail }]
        : [];
    for (const event of pieceEvents(tailPieces)) yield event;
    if (toolCalls.length > 0 && finishReason === 'stop') finishReason = 'tool_calls';
    const end = performance.now();
    const firstTokenAt = tokenTimes[0] ?? end;
    const promptSeconds = (firstTokenAt - start - queueMs) / 1000;
    const generationSeconds = (end - firstTokenAt) / 1000;
    const interTokenMs = tokenTimes.slice(1).map((t, i) => t - tokenTimes[i]);
    for (const observer of this.observers)
      observer({ ttftMs: firstTokenAt - start, interTokenMs, promptTokens: promptIds.length, completionTokens: completion.length });
    const result: GenerateResult = {
      text,
      tokenIds: completion,
      finishReason,
      usage: { promptTokens: promptIds.length, cachedPromptTokens: cachedTokens, completionTokens: completion.length },
      timings: {
        ttftMs: firstTokenAt - start,
        promptTokensPerSecond: promptSeconds > 0 ? (promptIds.length - cachedTokens) / promptSeconds : 0,
        // As mlx-lm: every generated token over the time since the first one appeared.
        generationTokensPerSecond: generationSeconds > 0 ? completion.length / generationSeconds : 0,
        peakMemoryBytes: mx.memory.getPeakMemory(),
        queueMs,
      },
      ...(options.logprobs ? { logprobs } : {}),
      ...(toolCalls.length ? { toolCalls } : {}),
    };
    yield { type: 'done', finishReason: result.finishReason, usage: result.usage, timings: result.timings, ...(toolCalls.length ? { toolCalls } : {}) };
    return result;
  }

  private describeLogprob(token: GeneratedToken): TokenLogprob {
    const tokenizer = this.loaded.tokenizer;
    const text = (id: number) => (id < tokenizer.vocabSize ? tokenizer.decode([id]) : '');
    const entry: TokenLogprob = { tokenId: token.id, token: text(token.id), logprob: token.logprob ?? 0 };
    if (token.top) entry.top = token.top.ids.map((id, i) => ({ tokenId: id, token: text(id), logprob: token.top!.logprobs[i] }));
    return entry;
  }

  /** Stops taking requests, waits for the running ones, frees the model. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.scheduler.close();
    this.structured.dispose();
    this.loaded.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

async function collect(stream: AsyncGenerator<GenerateEvent, GenerateResult>): Promise<GenerateResult> {
  for (;;) {
    const { value, done } = await stream.next();
    if (done) return value;
  }
}
