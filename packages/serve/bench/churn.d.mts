// Types of bench/churn.mjs, for test/churn.test.ts.
export interface ChurnOptions {
  /** A model folder, .gguf file or Hugging Face id. */
  model: string;
  /** Requests in all (default 2000). */
  requests?: number;
  /** Requests in flight at most (default 32). */
  concurrency?: number;
  /** Mean arrivals per second (default 40). */
  rate?: number;
  /** Share of clients that leave at a random point (default 0.3). */
  disconnectShare?: number;
  seed?: number;
  maxBatch?: number;
  /** Keep the prompt-prefix cache on (default off: then any array left after the run is a leak). */
  prefixCache?: boolean;
  /** Milliseconds between /metrics samples (default 1000). */
  sampleMs?: number;
  /** Share of the samples taken while requests arrive that the slopes leave out (default 0.2). */
  warmupShare?: number;
}

export interface ChurnReport {
  model: string;
  requests: number;
  concurrency: number;
  arrivalsPerSecond: number;
  seconds: number;
  completed: number;
  disconnected: number;
  disconnectedBy: Record<string, number>;
  plannedDisconnects: Record<string, number>;
  /** Failures that are not a departed client's, warm-up included. */
  errors: number;
  errorSamples: string[];
  mix: { stream: number; nonStream: number; chat: number; completions: number };
  completionTokens: number;
  prefixCache: boolean;
  liveArrays: { before: number; after: number; maxDuring: number; slopePerMinuteAfterWarmup: number | null };
  activeMemoryMB: { before: number; after: number; maxDuring: number; slopePerMinuteAfterWarmup: number | null };
  samples: number;
  slopeWindowSeconds: [number, number] | null;
  healthAfter: string;
}

export function runChurn(options: ChurnOptions): Promise<ChurnReport>;
