// Prometheus metrics (GET /metrics, text exposition format via prom-client), as llama-server and
// vLLM expose them: the engine's gauges (running sequences, queue depth, KV tokens in use),
// prompt and generated token counters and rates, and TTFT / inter-token latency histograms
// measured here, on the HTTP side, as clients see them.
import type { Backend, GenerateEvent, GenerateRequest, GenerateResult, Message, StreamHooks } from '@mlx-ts/backend';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What MlxBackend and WorkerBackend report; any Backend without it gets the HTTP-side metrics only. */
interface EngineStats {
  activeSequences: number;
  queueDepth: number;
  kvTokensInUse: number;
  prefixCacheBytes: number;
  liveArrays?: number;
  activeMemoryBytes?: number;
  promptTokens: number;
  generatedTokens: number;
}

function engineStats(backend: Backend | undefined): EngineStats | undefined {
  const stats = (backend as { stats?: () => EngineStats | undefined } | undefined)?.stats;
  return typeof stats === 'function' ? stats.call(backend) : undefined;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly ttft: Histogram;
  private readonly interToken: Histogram;
  private readonly requests: Counter<'finish_reason'>;

  constructor(readonly backend: () => Backend | undefined) {
    const registry = this.registry;
    const prefix = 'mlx_ts_';
    const gauge = (name: string, help: string, read: (s: EngineStats) => number) =>
      new Gauge({
        name: prefix + name,
        help,
        registers: [registry],
        collect() {
          const stats = engineStats(backend());
          if (stats) this.set(read(stats));
        },
      });
    gauge('active_sequences', 'Sequences decoding in the batch now.', (s) => s.activeSequences);
    gauge('queue_depth', 'Requests waiting for room in the batch.', (s) => s.queueDepth);
    gauge('kv_tokens_in_use', 'Tokens the running sequences hold in the KV caches.', (s) => s.kvTokensInUse);
    gauge('prefix_cache_bytes', 'Bytes held by cached prompt prefixes.', (s) => s.prefixCacheBytes);
    // Leak checks (soak, disconnect storms) read these between idle moments.
    gauge('live_arrays', 'MLX arrays alive in the engine process.', (s) => s.liveArrays ?? 0);
    gauge('active_memory_bytes', 'Bytes MLX holds for live arrays (its buffer cache not counted).', (s) => s.activeMemoryBytes ?? 0);
    const counter = (name: string, help: string, read: (s: EngineStats) => number) => {
      let seen = 0;
      return new Counter({
        name: prefix + name,
        help,
        registers: [registry],
        collect() {
          const stats = engineStats(backend());
          if (!stats) return;
          // The engine counts since it started; the Counter grows by what is new since the last scrape.
          const total = read(stats);
          if (total > seen) this.inc(total - seen);
          seen = Math.max(seen, total);
        },
      });
    };
    counter('prompt_tokens_total', 'Prompt tokens processed by the model (cached prefixes not counted).', (s) => s.promptTokens);
    counter('generation_tokens_total', 'Tokens generated.', (s) => s.generatedTokens);
    const rate = (name: string, help: string, read: (s: EngineStats) => number) => {
      let last: { at: number; total: number } | undefined;
      return new Gauge({
        name: prefix + name,
        help,
        registers: [registry],
        collect() {
          const stats = engineStats(backend());
          if (!stats) return;
          const now = { at: performance.now(), total: read(stats) };
          if (last && now.at > last.at) this.set(((now.total - last.total) * 1000) / (now.at - last.at));
          last = now;
        },
      });
    };
    rate('prompt_tokens_per_second', 'Prompt tokens processed per second since the previous scrape.', (s) => s.promptTokens);
    rate('generation_tokens_per_second', 'Tokens generated per second since the previous scrape.', (s) => s.generatedTokens);
    this.ttft = new Histogram({
      name: `${prefix}time_to_first_token_seconds`,
      help: 'Time from a request reaching the backend to its first text.',
      buckets: latencyBuckets,
      registers: [registry],
    });
    this.interToken = new Histogram({
      name: `${prefix}inter_token_latency_seconds`,
      help: 'Time between consecutive text events of a stream.',
      buckets: latencyBuckets,
      registers: [registry],
    });
    this.requests = new Counter({
      name: `${prefix}requests_total`,
      help: 'Generations finished, by finish reason.',
      labelNames: ['finish_reason'],
      registers: [registry],
    });
  }

  /** Wraps `backend` so that every stream feeds the latency histograms. */
  meter(backend: Backend): Backend {
    const metrics = this;
    const stream = async function* (request: GenerateRequest, signal?: AbortSignal, hooks?: StreamHooks): AsyncGenerator<GenerateEvent, GenerateResult> {
      const start = performance.now();
      let last: number | undefined;
      const events = backend.stream(request, signal, hooks);
      for (;;) {
        const next = await events.next();
        if (next.done) {
          // Tokens whose text was held back to the end (an unfinished character, a possible stop
          // string) still had a first token: it counts when the text arrives, at the end.
          if (last === undefined && next.value.usage.completionTokens > 0) metrics.ttft.observe((performance.now() - start) / 1000);
          metrics.requests.inc({ finish_reason: next.value.finishReason });
          return next.value;
        }
        if (next.value.type === 'text') {
          const now = performance.now();
          if (last === undefined) metrics.ttft.observe((now - start) / 1000);
          else metrics.interToken.observe((now - last) / 1000);
          last = now;
        }
        yield next.value;
      }
    };
    const collect = async (request: GenerateRequest, signal?: AbortSignal) => {
      const events = stream(request, signal);
      for (;;) {
        const next = await events.next();
        if (next.done) return next.value;
      }
    };
    return new Proxy(backend, {
      get(target, property, receiver) {
        if (property === 'stream') return stream;
        if (property === 'generate')
          return (prompt: string | readonly number[], options = {}, signal?: AbortSignal) => collect({ ...options, prompt } as GenerateRequest, signal);
        if (property === 'chat')
          return (messages: readonly Message[], options = {}, signal?: AbortSignal) => collect({ ...options, messages } as GenerateRequest, signal);
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
