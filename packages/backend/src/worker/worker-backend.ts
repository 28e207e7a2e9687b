// WorkerBackend: a Backend whose MlxBackend lives on a worker thread. MLX's CPU scheduling blocks
// the thread that drives it for most of each step, so an application (an HTTP server, a UI) that
// must stay responsive runs the model here: its own event loop then only relays messages.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { resolveModelReference } from '@mlx-ts/models';
import { BackendClosedError, BackendCrashedError } from '../errors.js';
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
  /**
   * A worker thread that stops unexpectedly (an uncaught error, an exit) fails the requests it
   * ran with BackendCrashedError; then a new worker starts and loads the model again with the
   * same options, at most `max` times within `windowMs` (default 3 within 60 s). `false`: never
   * (a distributed group is never restarted: its other ranks cannot rejoin).
   */
  restart?: false | { max?: number; windowMs?: number };
  /** Called when a worker stopped unexpectedly and a new one is starting. */
  onRestart?: (error: BackendCrashedError) => void;
  /** Called once when the backend stops for good: the worker stopped with no restart left, a reload failed, or its distributed group failed (then even while disposing). */
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

interface Lifecycle {
  restart: { max: number; windowMs: number } | false;
  onRestart?: (error: BackendCrashedError) => void;
  onCrash?: (error: Error) => void;
}

export class WorkerBackend implements Backend {
  readonly specificationVersion = 'v1' as const;
  private readonly streams = new Map<number, Inbox>();
  private readonly acceptHooks = new Map<number, () => void>();
  private nextId = 0;
  private closed = false;
  /** Why the backend stopped for good. */
  private crash?: Error;
  /** While a new worker loads the model: why the last one stopped. */
  private restartCause?: string;
  private reloading?: Promise<void>;
  private readonly crashTimes: number[] = [];
  private disposed?: Promise<void>;
  private latestStats: EngineStats | undefined;

  private constructor(
    private worker: Worker,
    readonly name: string,
    readonly contextLength: number,
    private readonly path: string,
    private readonly loadOptions: WorkerLoadOptions,
    private readonly lifecycle: Lifecycle,
  ) {
    this.attach(worker);
  }

  private attach(worker: Worker): void {
    worker.on('message', (message: FromWorker) => {
      if (worker !== this.worker) return;
      if (message.type === 'event' || message.type === 'end' || message.type === 'error') this.streams.get(message.id)?.push(message);
      else if (message.type === 'accepted') this.acceptHooks.get(message.id)?.();
      else if (message.type === 'stats') this.latestStats = message.stats;
      else if (message.type === 'fatal') {
        const error = deserialize(message.error);
        if (!this.crash) this.lifecycle.onCrash?.(error);
        this.crash ??= error;
      }
    });
    // An uncaught error reports 'error' and then 'exit': the first one counts.
    let stopped = false;
    const fail = (reason: string) => {
      if (stopped || worker !== this.worker) return;
      stopped = true;
      this.workerStopped(reason);
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`the worker thread exited with code ${code}`));
  }

  /** The worker thread ended: fail what it ran, then start a new one unless disposing, distributed or out of restarts. */
  private workerStopped(reason: string): void {
    this.latestStats = undefined;
    if (this.closed || this.crash) {
      this.failStreams(this.crash ? new BackendCrashedError(crashReason(this.crash), false) : new BackendClosedError());
      return;
    }
    const now = Date.now();
    const restart = this.lifecycle.restart;
    if (restart) {
      this.crashTimes.push(now);
      while (this.crashTimes.length > 0 && this.crashTimes[0]! <= now - restart.windowMs) this.crashTimes.shift();
    }
    const restarting = restart !== false && this.crashTimes.length <= restart.max;
    this.failStreams(new BackendCrashedError(reason, restarting));
    if (!restarting) {
      const repeated = restart !== false && restart.max > 0;
      this.stopForGood(
        repeated
          ? `${reason}; it stopped ${this.crashTimes.length} times within ${Math.round(restart.windowMs / 1000)} s, so it is not restarted again`
          : reason,
      );
      return;
    }
    this.restartCause = reason;
    this.lifecycle.onRestart?.(new BackendCrashedError(reason, true));
    this.reloading = (async () => {
      try {
        const { worker } = await startWorker(this.path, this.loadOptions);
        if (this.closed) {
          await worker.terminate();
          return;
        }
        this.worker = worker;
        this.attach(worker);
        this.restartCause = undefined;
      } catch (reloadError) {
        this.restartCause = undefined;
        this.stopForGood(`${reason}; loading the model again failed: ${(reloadError as Error).message}`);
      } finally {
        this.reloading = undefined;
      }
    })();
  }

  private stopForGood(reason: string): void {
    this.crash = new BackendCrashedError(reason, false);
    this.lifecycle.onCrash?.(this.crash);
  }

  private failStreams(error: Error): void {
    for (const [id, inbox] of this.streams) inbox.push({ type: 'error', id, error: serializeError(error) });
  }

  /** Starts the worker and loads the model folder, .gguf file or Hugging Face id there. */
  static async load(reference: string, options: WorkerBackendOptions = {}): Promise<WorkerBackend> {
    // A Hugging Face id is resolved (and downloaded) here, so `hub.onProgress` need not cross threads.
    const { onProgress, hub, onCrash, onRestart, restart, ...loadOptions } = options;
    const path = (await resolveModelReference(reference, hub)).path;
    const rest = { ...loadOptions, name: options.name ?? reference };
    const { worker, loaded } = await startWorker(path, rest, onProgress);
    const lifecycle: Lifecycle = {
      restart: restart === false || options.distributed ? false : { max: restart?.max ?? 3, windowMs: restart?.windowMs ?? 60_000 },
      onRestart,
      onCrash,
    };
    return new WorkerBackend(worker, loaded.name, loaded.contextLength, path, rest, lifecycle);
  }

  /** True while a new worker loads the model after the last one stopped unexpectedly. */
  get restarting(): boolean {
    return this.restartCause !== undefined && !this.closed;
  }

  /**
   * Ends the worker thread with an uncaught error, as a fatal failure in it would: for tests of
   * what a crash does (the requests fail, a new worker reloads the model).
   */
  crashForTesting(message = 'a crash for testing'): void {
    this.worker.postMessage({ type: 'crash', message } satisfies ToWorker);
  }

  get unavailableReason(): string | undefined {
    if (this.crash) return `the model worker stopped (${crashReason(this.crash)})`;
    if (this.closed) return 'the backend was disposed';
    if (this.restartCause) return `the model worker stopped (${this.restartCause}); it is being restarted`;
    return undefined;
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
    if (this.closed) throw new BackendClosedError();
    if (this.crash) throw new BackendCrashedError(crashReason(this.crash), false);
    if (this.restartCause) throw new BackendCrashedError(this.restartCause, true);
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
    // The worker this stream runs on (a restart replaces this.worker; an abort goes to the stream's own).
    const worker = this.worker;
    const abort = () => worker.postMessage({ type: 'abort', id } satisfies ToWorker);
    signal?.addEventListener('abort', abort, { once: true });
    let finished = false;
    try {
      if (request) worker.postMessage(request);
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
      // A worker loading the model again sees `closed` when it is ready, and ends itself.
      await this.reloading;
      if (!this.crash && !this.restartCause) {
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

/** Why the backend stopped: a crash's own reason, or a failed distributed group's message. */
function crashReason(error: Error): string {
  return BackendCrashedError.isInstance(error) ? error.reason : error.message;
}

/** A new worker thread with the model loaded (a failed load ends the thread). */
async function startWorker(
  path: string,
  options: WorkerLoadOptions,
  onProgress?: WorkerBackendOptions['onProgress'],
): Promise<{ worker: Worker; loaded: { name: string; contextLength: number } }> {
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
    worker.postMessage({ type: 'load', path, options } satisfies ToWorker);
  }).catch(async (error: unknown) => {
    detach();
    await worker.terminate();
    throw error;
  });
  detach();
  return { worker, loaded };
}
