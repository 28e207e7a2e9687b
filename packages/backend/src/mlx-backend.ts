// MlxBackend: a loaded model plus the engine around it. Requests run one at a time in FIFO
// order (the model and its caches are single-owner); the KV prefix of the previous request is
// reused when the next prompt continues it.
import * as mx from '@mlx-ts/core';
import { type LoadedModel, type LoadModelOptions, loadModel } from '@mlx-ts/models';
import { type LogitsProcessor, makeLogitsProcessors, makeSampler } from '@mlx-ts/sample';
import type { Tokenizer } from '@mlx-ts/tokenizer';
import { BackendClosedError, InvalidRequestError } from './errors.js';
import { PrefixCache } from './prefix-cache.js';
import { RequestQueue } from './request-queue.js';
import { StopMatcher } from './stop-matcher.js';
import { type GeneratedToken, generateTokens } from './token-generator.js';
import { StructuredOutput, type ToolPlan, ToolCallStream, type ToolStreamPiece, requestConstraint, templateInput, toolCallId, toolPlan } from './tools/index.js';
import type { Backend, FinishReason, GenerateEvent, GenerateOptions, GenerateRequest, GenerateResult, Message, TokenLogprob, ToolCall } from './types.js';
import { type ResolvedOptions, resolveOptions } from './validate-options.js';

export interface MlxBackendOptions extends LoadModelOptions {
  /** Requests that may wait while one runs; more are refused with BackendBusyError (default 16). */
  maxQueue?: number;
  /** Default for GenerateOptions.maxTokens (default 512). */
  defaultMaxTokens?: number;
  /** Prompt tokens processed per forward pass during prefill (default 2048). */
  prefillChunkSize?: number;
  /** A display name (default: the model path). */
  name?: string;
  /** Reuse the KV state of the previous request when a prompt continues it (default true). */
  reusePromptPrefix?: boolean;
}

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
      throw new InvalidRequestError(`messages[${i}] must be { role: 'system' | 'user' | 'assistant' | 'tool', content: string | text parts } (null only beside toolCalls)`, 'messages');
    }
  });
}

export class MlxBackend implements Backend {
  readonly specificationVersion = 'v1' as const;
  readonly name: string;
  private readonly queue: RequestQueue;
  private readonly prefix: PrefixCache;
  private readonly structured: StructuredOutput;
  private closed = false;

  private constructor(
    readonly loaded: LoadedModel,
    private readonly options: MlxBackendOptions,
  ) {
    this.name = options.name ?? loaded.source;
    this.queue = new RequestQueue(options.maxQueue ?? 16);
    this.prefix = new PrefixCache(loaded.model.makeCache());
    this.structured = new StructuredOutput(loaded.tokenizer, loaded.config.vocabSize, loaded.config.eosTokenIds);
  }

  /** Loads a model folder or .gguf file (see @mlx-ts/models' loadModel). */
  static async load(pathOrGguf: string, options: MlxBackendOptions = {}): Promise<MlxBackend> {
    const loaded = await loadModel(pathOrGguf, options);
    return new MlxBackend(loaded, options);
  }

  get contextLength(): number {
    return this.loaded.config.maxPositionEmbeddings;
  }

  get tokenizer(): Tokenizer {
    return this.loaded.tokenizer;
  }

  get unavailableReason(): string | undefined {
    return this.closed ? 'the backend was disposed' : mx.unavailableReason();
  }

  available(): boolean {
    return this.unavailableReason === undefined;
  }

  /** Requests waiting behind the one that runs. */
  get queuedRequests(): number {
    return this.queue.waitingCount;
  }

  async generate(prompt: string | readonly number[], options: GenerateOptions = {}, signal?: AbortSignal): Promise<GenerateResult> {
    return this.collect({ ...options, prompt }, signal);
  }

  async chat(messages: readonly Message[], options: GenerateOptions = {}, signal?: AbortSignal): Promise<GenerateResult> {
    return this.collect({ ...options, messages }, signal);
  }

  private async collect(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    const stream = this.stream(request, signal);
    for (;;) {
      const { value, done } = await stream.next();
      if (done) return value;
    }
  }

  /** The prompt token ids of a request. */
  promptIds(request: GenerateRequest): number[] {
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

  async *stream(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerateEvent, GenerateResult> {
    if (this.closed) throw new BackendClosedError();
    // Structured-output and tool options are checked by toolPlan / requestConstraint below.
    const { prompt: _p, messages: _m, responseFormat: _f, grammar, tools: _t, toolChoice: _c, parallelToolCalls: _l, ...rest } = request as GenerateRequest & { prompt?: unknown; messages?: unknown };
    const config = this.loaded.config;
    const options = resolveOptions(rest, { maxTokens: this.options.defaultMaxTokens ?? 512, vocabSize: config.vocabSize });
    const promptIds = this.promptIds(request);
    if (promptIds.length === 0) throw new InvalidRequestError('the prompt is empty', 'prompt');
    if (promptIds.length >= config.maxPositionEmbeddings) {
      throw new InvalidRequestError(`the prompt has ${promptIds.length} tokens; this model's context holds ${config.maxPositionEmbeddings}. Shorten the prompt.`, 'messages' in request ? 'messages' : 'prompt');
    }
    if (rest.maxTokens !== undefined && promptIds.length + options.maxTokens > config.maxPositionEmbeddings) {
      throw new InvalidRequestError(
        `the prompt has ${promptIds.length} tokens and maxTokens asks for ${options.maxTokens} more, past this model's context of ${config.maxPositionEmbeddings}. Ask for at most ${config.maxPositionEmbeddings - promptIds.length}.`,
        'maxTokens',
      );
    }
    // Structured output: the constraint is compiled before the request queues, so a bad schema
    // fails fast and compiling never holds the model.
    const plan = toolPlan(request);
    const constraint = requestConstraint(request, plan, this.structured.format);
    const param = constraint?.type === 'structural_tag' ? 'tools' : grammar !== undefined ? 'grammar' : 'responseFormat';
    const constrained = constraint ? await this.structured.processor(constraint, param) : undefined;
    const queuedAt = performance.now();
    try {
      await this.queue.acquire(signal);
    } catch (error) {
      constrained?.dispose();
      throw error;
    }
    try {
      return yield* this.run(promptIds, options, signal, performance.now() - queuedAt, { processor: constrained, tools: plan });
    } finally {
      constrained?.dispose();
      this.queue.release();
    }
  }

  private async *run(
    promptIds: number[],
    options: ResolvedOptions,
    signal: AbortSignal | undefined,
    queueMs: number,
    structured: { processor?: LogitsProcessor; tools?: ToolPlan },
  ): AsyncGenerator<GenerateEvent, GenerateResult> {
    const { model, tokenizer, config } = this.loaded;
    const start = performance.now();
    mx.memory.resetPeakMemory();
    const maxTokens = Math.min(options.maxTokens, config.maxPositionEmbeddings - promptIds.length);
    if (this.options.reusePromptPrefix === false) this.prefix.clear();
    const lease = this.prefix.acquire(promptIds);
    const sampler = makeSampler({ temperature: options.temperature, topP: options.topP, topK: options.topK, minP: options.minP, seed: options.seed });
    const processors = makeLogitsProcessors({
      repetitionPenalty: options.repetitionPenalty,
      presencePenalty: options.presencePenalty,
      frequencyPenalty: options.frequencyPenalty,
      logitBias: options.logitBias,
    });
    for (const p of processors) p.prompt?.(promptIds);
    // The constraint runs after the penalties, so its -inf mask is final.
    if (structured.processor) processors.push(structured.processor);
    // Tool calls are parsed out of the text unless the request said toolChoice 'none'.
    const toolStream = structured.tools && structured.tools.mode !== 'none' ? new ToolCallStream(this.structured.format) : undefined;
    const toolCalls: ToolCall[] = [];
    const detokenizer = tokenizer.createStreamingDetokenizer({ skipSpecialTokens: true });
    const stopper = new StopMatcher(options.stop);
    const eos = new Set(options.ignoreEos ? [] : config.eosTokenIds);
    const completion: number[] = [];
    const logprobs: TokenLogprob[] = [];
    let text = '';
    let finishReason: FinishReason = 'length';
    let firstTokenAt = 0;
    let matchedStop = false;
    let pendingIds: number[] = [];
    let pendingLogprobs: TokenLogprob[] = [];
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
    const tokens = generateTokens(lease.suffix, {
      model,
      cache: this.prefix.caches,
      sampler,
      processors,
      maxTokens,
      prefillChunkSize: this.options.prefillChunkSize,
      logprobs: options.logprobs,
      topLogprobs: options.topLogprobs,
      signal,
      onFed: (ids) => this.prefix.fed(ids),
      onPromptProcessed: () => this.prefix.markPromptEnd(),
    });
    let failed = true;
    try {
      for await (const token of tokens) {
        if (firstTokenAt === 0) firstTokenAt = performance.now();
        if (eos.has(token.id)) {
          finishReason = 'stop';
          break;
        }
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
          break;
        }
        if (signal?.aborted) {
          finishReason = 'abort';
          break;
        }
      }
      failed = false;
    } catch (error) {
      if (signal?.aborted) {
        finishReason = 'abort';
        failed = false;
      } else {
        throw error;
      }
    } finally {
      await tokens.return(undefined as never);
      for (const p of processors) p.dispose?.();
      sampler.dispose();
      if (failed) this.prefix.clear();
    }
    // Text held back for a possible stop string (or an unfinished character) is released at the end.
    const tail = matchedStop ? '' : stopper.push(detokenizer.flush()).emit + stopper.flush();
    const tailPieces: ToolStreamPiece[] = toolStream ? [...(tail ? toolStream.push(tail) : []), ...toolStream.flush()] : tail ? [{ type: 'text', text: tail }] : [];
    for (const event of pieceEvents(tailPieces)) yield event;
    if (toolCalls.length > 0 && finishReason === 'stop') finishReason = 'tool_calls';
    const end = performance.now();
    const promptSeconds = ((firstTokenAt || end) - start) / 1000;
    const generationSeconds = (end - (firstTokenAt || end)) / 1000;
    const result: GenerateResult = {
      text,
      tokenIds: completion,
      finishReason,
      usage: { promptTokens: promptIds.length, cachedPromptTokens: lease.cachedTokens, completionTokens: completion.length },
      timings: {
        ttftMs: (firstTokenAt || end) - start,
        promptTokensPerSecond: promptSeconds > 0 ? lease.suffix.length / promptSeconds : 0,
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
    this.queue.close();
    await this.queue.drained();
    this.prefix.dispose();
    this.structured.dispose();
    this.loaded.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
