// What the routes share: the backend once it has loaded (the server listens while it loads and
// answers 503 until then), the in-flight generations a drain waits for, and server-wide defaults.
import type { Backend, GenerateOptions } from '@mlx-ts/spec';
import { OpenAIError } from './openai-error.js';

export type ServerPhase = 'loading' | 'ready' | 'failed' | 'draining';

/** What a Backend that restarts its engine (WorkerBackend) shows while it does. */
interface Restarting {
  restarting?: boolean;
}

export class ServerState {
  phase: ServerPhase = 'loading';
  /** Quiet time after which a stream sends a keep-alive comment (0: never). */
  sseKeepAliveMs = 10_000;
  private backend?: Backend;
  private loadError?: Error;
  private readonly inFlight = new Set<AbortController>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    backend: Backend | Promise<Backend>,
    private readonly currentDefaults: () => GenerateOptions,
    readonly systemFingerprint: string,
    private readonly onLoadError: (error: Error) => void,
  ) {
    if (isPromise(backend)) {
      backend.then(
        (loaded) => this.setBackend(loaded),
        (error: Error) => {
          this.loadError = error;
          if (this.phase === 'loading') this.phase = 'failed';
          this.onLoadError(error);
        },
      );
    } else {
      this.setBackend(backend);
    }
  }

  /** Generation options for what a request leaves out; read per request (they may be set after the server starts). */
  get defaults(): GenerateOptions {
    return this.currentDefaults();
  }

  private setBackend(backend: Backend): void {
    this.backend = backend;
    if (this.phase === 'loading') this.phase = 'ready';
  }

  get loadedBackend(): Backend | undefined {
    return this.backend;
  }

  get failure(): Error | undefined {
    return this.loadError;
  }

  /**
   * The phase /health reports: a backend restarting its engine is loading again, and one that
   * stopped for good has failed.
   */
  get health(): { phase: ServerPhase; error?: string } {
    if (this.phase === 'failed') return { phase: 'failed', error: this.loadError?.message };
    const backend = this.backend;
    if (this.phase !== 'ready' || !backend) return { phase: this.phase };
    if ((backend as Restarting).restarting === true) return { phase: 'loading', error: backend.unavailableReason };
    if (!backend.available()) return { phase: 'failed', error: backend.unavailableReason };
    return { phase: 'ready' };
  }

  get activeRequests(): number {
    return this.inFlight.size;
  }

  /** The backend, or a 503 explaining why there is none yet. */
  readyBackend(): Backend {
    if (this.phase === 'draining') {
      throw new OpenAIError(503, 'The server is shutting down and takes no new requests.', { code: 'server_shutting_down', headers: { 'retry-after': '5' } });
    }
    if (this.phase === 'loading' || !this.backend) {
      if (this.phase === 'failed') {
        throw new OpenAIError(503, `The model failed to load (${this.loadError?.message}); fix the model path and restart the server.`, {
          code: 'model_load_failed',
        });
      }
      throw new OpenAIError(503, 'The model is still loading; retry in a few seconds.', { code: 'model_loading', headers: { 'retry-after': '2' } });
    }
    if ((this.backend as Restarting).restarting === true) {
      const reason = this.backend.unavailableReason ?? 'the model is being reloaded';
      throw new OpenAIError(503, `${reason[0]!.toUpperCase()}${reason.slice(1)}; retry in a few seconds.`, {
        code: 'model_reloading',
        headers: { 'retry-after': '2' },
      });
    }
    if (!this.backend.available()) {
      throw new OpenAIError(503, `The backend cannot run here: ${this.backend.unavailableReason ?? 'unavailable'}.`, { code: 'backend_unavailable' });
    }
    return this.backend;
  }

  /** Registers a running generation; call the returned function when it ends. */
  track(controller: AbortController): () => void {
    this.inFlight.add(controller);
    return () => {
      this.inFlight.delete(controller);
      if (this.inFlight.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    };
  }

  /** Stops taking work; resolves when in-flight generations end, aborting them after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.phase = 'draining';
    if (this.inFlight.size === 0) return;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const timer = setTimeout(() => {
      for (const controller of this.inFlight) controller.abort(new Error('the server is shutting down'));
    }, timeoutMs);
    try {
      await idle;
    } finally {
      clearTimeout(timer);
    }
  }
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as Promise<T>)?.then === 'function';
}
