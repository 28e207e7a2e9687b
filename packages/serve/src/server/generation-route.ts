// One request on /v1/chat/completions or /v1/completions: drive the choices on the backend and
// answer in one JSON object or as SSE. A stream starts (200, headers flushed) once the backend has
// accepted the request (checked and queued it): errors before that are ordinary non-200
// responses; a failure after it is an error event followed by `data: [DONE]`. While the request
// waits for room in the batch, keep-alive comments keep the connection visibly alive.
import { randomBytes } from 'node:crypto';
import { type GenerateOptions, type GenerateResult, MlxTsError, type Usage } from '@mlx-ts/spec';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toOpenAIError } from './error-mapping.js';
import { addUsage, type ChoiceEvent, type GenerationInput, generateChoices } from './generate-choices.js';
import { OpenAIError } from './openai-error.js';
import { recordStats } from './request-stats.js';
import { type ResponseFormat, usageObject } from './response-format.js';
import type { ServerState } from './server-state.js';
import { SseWriter } from './sse-writer.js';

export interface GenerationJob {
  model: string;
  inputs: GenerationInput[];
  n: number;
  options: GenerateOptions;
  stream: boolean;
  includeUsage: boolean;
  /** Backend option names whose HTTP parameter is not their snake_case form (completions: topLogprobs → logprobs). */
  renames?: Record<string, string>;
}

/** The abort reason when the client went away (a shutdown aborts with none). */
export class ClientDisconnected extends MlxTsError {
  constructor() {
    super('the client closed the connection', { code: 'client_disconnected' });
    this.name = 'ClientDisconnected';
  }
}

export function shuttingDown(): OpenAIError {
  return new OpenAIError(503, 'The server shut down before this request finished; retry it.', {
    code: 'server_shutting_down',
    headers: { 'retry-after': '5' },
  });
}

export async function runGeneration(
  state: ServerState,
  request: FastifyRequest,
  reply: FastifyReply,
  job: GenerationJob,
  format: ResponseFormat,
): Promise<unknown> {
  const backend = state.readyBackend();
  const controller = new AbortController();
  const untrack = state.track(controller);
  // A client that goes away must not keep the model busy: its close aborts the generation.
  const onClose = () => {
    if (!reply.raw.writableEnded) controller.abort(new ClientDisconnected());
  };
  reply.raw.on('close', onClose);
  const response = {
    id: `${format.idPrefix}${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: job.model,
    system_fingerprint: state.systemFingerprint,
  };
  const acceptance = accepted();
  const events = recordStats(
    request,
    generateChoices(backend, job.inputs, job.n, { ...state.defaults, ...job.options }, controller.signal, { onAccepted: acceptance.resolve }),
  );
  try {
    if (!job.stream) return await collect(events, job, format, response, controller.signal);
    const { first } = await firstOrAccepted(events, acceptance.promise, job.renames);
    reply.hijack();
    const writer = new SseWriter(reply.raw, state.sseKeepAliveMs);
    writer.open(reply.getHeaders());
    await stream(first, events, writer, job, format, response, controller.signal, request);
    return reply;
  } catch (error) {
    throw toOpenAIError(error, job.renames);
  } finally {
    await events.return(undefined);
    reply.raw.off('close', onClose);
    untrack();
  }
}

/** A promise the backend's onAccepted hook resolves. */
export function accepted(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * Starts the stream's generation and waits until the backend accepted it or its first event came
 * (a backend without the hook): an error before either is the request's, answered with a status.
 * The first event itself is left to await, in the stream.
 */
export async function firstOrAccepted(
  events: AsyncGenerator<ChoiceEvent>,
  acceptance: Promise<void>,
  renames?: Record<string, string>,
): Promise<{ first: Promise<IteratorResult<ChoiceEvent>> }> {
  const first = events.next();
  // Observed here; a failure after acceptance is awaited (and answered in-stream) later.
  first.catch(() => undefined);
  try {
    await Promise.race([first, acceptance]);
  } catch (error) {
    throw toOpenAIError(error, renames);
  }
  return { first };
}

function checkNotStopped(result: GenerateResult, signal: AbortSignal): void {
  // 'abort' without a departed client means the server stopped the request while draining.
  if (result.finishReason === 'abort' && !(signal.reason instanceof ClientDisconnected)) throw shuttingDown();
}

async function collect(
  events: AsyncGenerator<ChoiceEvent>,
  job: GenerationJob,
  format: ResponseFormat,
  response: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  const results: GenerateResult[] = [];
  const usage: Usage = { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 };
  for await (const event of events) {
    if (event.type !== 'done') continue;
    checkNotStopped(event, signal);
    results[event.index] = event;
    addUsage(usage, event, event.choiceOfPrompt);
  }
  const choices = results.map((result, index) =>
    format.fullChoice(index, result.text, job.options.logprobs ? (result.logprobs ?? []) : undefined, result.finishReason, result.toolCalls),
  );
  return { ...response, object: format.object, choices, usage: usageObject(usage) };
}

async function stream(
  first: Promise<IteratorResult<ChoiceEvent>>,
  events: AsyncGenerator<ChoiceEvent>,
  writer: SseWriter,
  job: GenerationJob,
  format: ResponseFormat,
  response: Record<string, unknown>,
  signal: AbortSignal,
  request: FastifyRequest,
): Promise<void> {
  const base = { ...response, object: format.chunkObject };
  // With include_usage, every chunk carries `usage: null` and one last chunk carries the totals.
  const usageField = job.includeUsage ? { usage: null } : {};
  const send = (choice: Record<string, unknown>) => writer.send({ ...base, choices: [choice], ...usageField });
  const usage: Usage = { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 };
  const opened = new Set<number>();
  const offsets = new Map<number, number>();
  try {
    for (let next = await first; !next.done; next = await events.next()) {
      const event = next.value;
      if (!opened.has(event.index)) {
        opened.add(event.index);
        const opening = format.openingDelta(event.index);
        if (opening) await send(opening);
      }
      if (event.type === 'text') {
        const offset = offsets.get(event.index) ?? 0;
        if (event.text || event.logprobs?.length) await send(format.deltaChoice(event.index, event.text, event.logprobs, offset));
        offsets.set(event.index, offset + event.text.length);
      } else if (event.type === 'tool-call-delta') {
        if (format.toolCallDelta) await send(format.toolCallDelta(event.index, event));
      } else if (event.type === 'done') {
        checkNotStopped(event, signal);
        addUsage(usage, event, event.choiceOfPrompt);
        await send(format.finishDelta(event.index, event.finishReason));
      }
      if (writer.closed) return;
    }
    if (job.includeUsage) await writer.send({ ...base, choices: [], usage: usageObject(usage) });
  } catch (error) {
    if (writer.closed) return;
    const mapped = toOpenAIError(error, job.renames);
    if (mapped.status >= 500 && mapped.status !== 503) request.log.error({ err: error }, 'generation failed mid-stream');
    await writer.sendError(mapped);
  }
  await writer.finish();
}
