// WorkerBackend: a Backend whose MlxBackend lives on a worker thread. MLX's CPU scheduling blocks
// the thread that drives it for most of each step, so an application (an HTTP server, a UI) that
// must stay responsive runs the model here: its own event loop then only relays messages.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resolveModelReference } from '@mlx-ts/models';
import { BackendClosedError } from '../errors.js';
import type { EngineStats, MlxBackendOptions } from '../mlx-backend.js';
import type { Backend, GenerateEvent, GenerateOptions, GenerateRequest, GenerateResult, Message, StreamHooks } from '../types.js';
import { deserializeError as deserialize, serializeError } from './error-transfer.js';
import type { FromWorker, ToWorker, WorkerLoadOptions } from './protocol.js';

/** MlxBackend's options (they are applied on the worker thread); functions, `signal` and a group cannot cross threads. */
export type WorkerBackendOptions = Omit<MlxBackendOptions, 'signal' | 'sampler' | 'logitsProcessors' | 'group' | 'onGroupFailure'> & {
  /**
   * Rank 0 of a distributed group: the worker starts the group (mx.distributed.init with these
   * options, strict) and loads the model split over it; the other ranks run MlxBackend.follow.
   */
  distributed?: WorkerLoadOptions['distributed'];
  /** Called once when the worker stops unexpectedly, or its distributed group fails (then even while disposing). */
  onCrash?: (error: Error) => void;
};

type StreamMessage = Extract<FromWorker, { type: 'event' | 'end' | 'error' }>;

/** Messages for one stream, awaited one at a time. */
class Inbox {
  private readonly items: StreamMessage[] = [];
  private waiter?: (message: StreamMessage) => void;
  push(message: StreamMessage): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = undefined;
      resolve(message);
    } else {
      this.items.push(message);
    }
  }
  next(): Promise<StreamMessage> {
    const item = this.items.shift();
    return item ? Promise.resolve(item) : new Promise((resolve) => (this.waiter = resolve));
  }
}

function workerUrl(): URL {
  const beside = new URL('./backend-worker.js', import.meta.url);
  // Run from the TypeScript sources (tests), the worker script comes from the package's build.
  return existsSync(fileURLToPath(beside)) ? beside : new URL('../../dist/backend-worker.js', import.meta.url);
}

export class WorkerBackend implements Backend {
  readonly specificationVersion = 'v1' as const;
  private readonly streams = new Map<number, Inbox>();
  private readonly acceptHooks = new Map<number, () => void>();
  private nextId = 0;
  private closed = false;
  private crash?: Error;
  private disposed?: Promise<void>;
  private latestStats: EngineStats | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly name: string,
    readonly contextLength: number,
    onCrash?: (error: Error) => void,
  ) {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'event' || message.type === 'end' || message.type === 'error') this.streams.get(message.id)?.push(message);
      else if (message.type === 'accepted') this.acceptHooks.get(message.id)?.();
      else if (message.type === 'stats') this.latestStats = message.stats;
      else if (message.type === 'fatal') {
        const error = deserialize(message.error);
        if (!this.crash) onCrash?.(error);
        this.crash ??= error;
      }
    });
    const fail = (error: Error) => {
      if (!this.crash && !this.closed) onCrash?.(error);
      this.crash ??= error;
      for (const [id, inbox] of this.streams)
        inbox.push({ type: 'error', id, error: serializeError(new Error(`the backend worker stopped: ${error.message}`)) });
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  }

  /** Starts the worker and loads the model folder, .gguf file or Hugging Face id there. */
  static async load(reference: string, options: WorkerBackendOptions = {}): Promise<WorkerBackend> {
    // A Hugging Face id is resolved (and downloaded) here, so `hub.onProgress` need not cross threads.
    const { onProgress, hub, onCrash, ...loadOptions } = options;
    const path = (await resolveModelReference(reference, hub)).path;
    const rest = { ...loadOptions, name: options.name ?? reference };
    const worker = new Worker(workerUrl());
    let detach = () => {};
    const loaded = await new Promise<{ name: string; contextLength: number }>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        if (message.type === 'progress') onProgress?.(message);
        else if (message.type === 'loaded') resolve(message);
        else if (message.type === 'load-error') reject(deserialize(message.error));
      };
      const onExit = (code: number) => reject(new Error(`the backend worker exited (code ${code}) while loading ${path}`));
      worker.on('message', onMessage);
      worker.on('error', reject);
      worker.on('exit', onExit);
      // Only our own listeners: Worker keeps internal ones that route messages.
      detach = () => {
        worker.off('message', onMessage);
        worker.off('error', reject);
        worker.off('exit', onExit);
      };
      worker.postMessage({ type: 'load', path, options: rest } satisfies ToWorker);
    }).catch(async (error: unknown) => {
      detach();
      await worker.terminate();
      throw error;
    });
    detach();
    return new WorkerBackend(worker, loaded.name, loaded.contextLength, onCrash);
  }

  get unavailableReason(): string | undefined {
    if (this.crash) return `the backend worker stopped (${this.crash.message})`;
    return this.closed ? 'the backend was disposed' : undefined;
  }

  available(): boolean {
    return this.unavailableReason === undefined;
  }

  /** Requests waiting for room in the batch (as of the worker's last report, at most 0.5 s old). */
  get queuedRequests(): number {
    return this.latestStats?.queueDepth ?? 0;
  }

  /** The engine's gauges and counters (as of the worker's last report, at most 0.5 s old). */
  stats(): EngineStats | undefined {
    return this.latestStats;
  }

  generate(prompt: string | readonly number[], options: GenerateOptions = {}, signal?: AbortSignal): Promise<GenerateResult> {
    return this.collect({ ...options, prompt }, signal);
  }

  chat(messages: readonly Message[], options: GenerateOptions = {}, signal?: AbortSignal): Promise<GenerateResult> {
    return this.collect({ ...options, messages }, signal);
  }

  private async collect(request: GenerateRequest, signal?: AbortSignal): Promise<GenerateResult> {
    const stream = this.stream(request, signal);
    for (;;) {
      const next = await stream.next();
      if (next.done) return next.value;
    }
  }

  async *stream(request: GenerateRequest, signal?: AbortSignal, hooks?: StreamHooks): AsyncGenerator<GenerateEvent, GenerateResult> {
    const id = this.open(signal, hooks);
    return yield* this.receive(id, signal, { type: 'stream', id, request });
  }

  /** n rows over one prefill in the worker's engine; an abort (or one stream stopped early) stops all n. */
  streamChoices(request: GenerateRequest, n: number, signal?: AbortSignal, hooks?: StreamHooks): AsyncGenerator<GenerateEvent, GenerateResult>[] {
    const ids = Array.from({ length: n }, () => this.open(signal, hooks));
    this.worker.postMessage({ type: 'choices', ids, request } satisfies ToWorker);
    return ids.map((id) => this.receive(id, signal));
  }

  /** A new stream id with its inbox (before its request is sent, so no message is missed). */
  private open(signal: AbortSignal | undefined, hooks: StreamHooks | undefined): number {
    if (this.closed || this.crash) throw new BackendClosedError();
    signal?.throwIfAborted();
    const id = ++this.nextId;
    this.streams.set(id, new Inbox());
    const onAccepted = hooks?.onAccepted;
    if (onAccepted) {
      this.acceptHooks.set(id, () => {
        this.acceptHooks.delete(id);
        onAccepted();
      });
    }
    return id;
  }

  private async *receive(id: number, signal: AbortSignal | undefined, request?: ToWorker): AsyncGenerator<GenerateEvent, GenerateResult> {
    const inbox = this.streams.get(id)!;
    const abort = () => this.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
    signal?.addEventListener('abort', abort, { once: true });
    let finished = false;
    try {
      if (request) this.worker.postMessage(request);
      for (;;) {
        const message = await inbox.next();
        if (message.type === 'event') {
          yield message.event;
        } else if (message.type === 'end') {
          finished = true;
          const { finishReason, usage, timings, toolCalls } = message.result;
          yield { type: 'done', finishReason, usage, timings, ...(toolCalls ? { toolCalls } : {}) };
          return message.result;
        } else {
          finished = true;
          throw deserialize(message.error);
        }
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      // A consumer that stops early (break, return) stops the generation too.
      if (!finished) abort();
      this.streams.delete(id);
      this.acceptHooks.delete(id);
    }
  }

  /** Lets running requests finish, frees the model and stops the worker. */
  dispose(): Promise<void> {
    this.closed = true;
    this.disposed ??= (async () => {
      if (!this.crash) {
        await new Promise<void>((resolve) => {
          this.worker.on('message', (message: FromWorker) => message.type === 'disposed' && resolve());
          this.worker.once('exit', () => resolve());
          this.worker.postMessage({ type: 'dispose' } satisfies ToWorker);
        });
      }
      await this.worker.terminate();
    })();
    return this.disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
