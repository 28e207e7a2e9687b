// Shared by the provider's tests: the real test models (made by tools/setup-test-data.sh) and a
// Backend that records what the provider asks of the engine it wraps.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Backend, GenerateEvent, GenerateOptions, GenerateRequest, GenerateResult, Message } from '@mlx-ts/spec';

// The warnings are asserted on; the AI SDK's console copy of them is noise here.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

export const repoRoot = resolve(import.meta.dirname, '../../..');

/** A model under <data>/models; fails (never skips) when the setup script has not run. */
export function requireModelData(name: string): string {
  const path = join(process.env.MLX_TS_DATA ?? join(repoRoot, '.cache'), 'models', name);
  if (!existsSync(path)) {
    throw new Error(
      `test data ${path} is missing: run \`bash tools/setup-test-data.sh\` from the repository root (or point MLX_TS_DATA at a folder holding models/)`,
    );
  }
  return path;
}

/** The tiny random Gemma 3 with the small test tokenizer (and its chat template), as a model folder. */
export function tinyModelFolder(): string {
  const source = requireModelData('tiny-gemma3');
  const tokenizer = join(repoRoot, 'packages/backend/test/fixtures/tiny-tokenizer');
  const folder = mkdtempSync(join(tmpdir(), 'mlx-ts-ai-sdk-tiny-'));
  symlinkSync(join(source, 'model.safetensors'), join(folder, 'model.safetensors'));
  writeFileSync(join(folder, 'config.json'), readFileSync(join(source, 'config.json')));
  for (const file of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tokenizer, file), join(folder, file));
  return folder;
}

/** Greedy chat references made by mlx-lm on Gemma 3 270M (packages/serve/fixtures-gen/make-serve-reference.py). */
export interface ServeReference {
  maxTokens: number;
  chat: { messages: { role: 'user'; content: string }[]; promptTokens: number; completionIds: number[]; text: string };
}

export const serveReference: ServeReference = JSON.parse(readFileSync(join(repoRoot, 'packages/serve/test/fixtures/serve-reference.json'), 'utf8'));

export interface RecordedCall {
  request: GenerateRequest;
  events: GenerateEvent[];
  result?: GenerateResult;
}

/**
 * Wraps a Backend, records every request the provider sends and every event the engine answers
 * with, and passes both through unchanged.
 */
export class RecordingBackend implements Backend {
  readonly specificationVersion = 'v1' as const;
  readonly calls: RecordedCall[] = [];

  /** Called with each event as it passes (a test can abort on one). */
  onEvent?: (event: GenerateEvent) => void;

  constructor(private readonly inner: Backend) {}

  get name(): string {
    return this.inner.name;
  }

  get unavailableReason(): string | undefined {
    return this.inner.unavailableReason;
  }

  available(): boolean {
    return this.inner.available();
  }

  get lastCall(): RecordedCall {
    const call = this.calls.at(-1);
    if (!call) throw new Error('no request was recorded');
    return call;
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

  async *stream(request: GenerateRequest, signal?: AbortSignal): AsyncGenerator<GenerateEvent, GenerateResult> {
    const call: RecordedCall = { request: structuredClone(request), events: [] };
    this.calls.push(call);
    const inner = this.inner.stream(request, signal);
    try {
      for (;;) {
        const next = await inner.next();
        if (next.done) {
          call.result = next.value;
          return next.value;
        }
        call.events.push(next.value);
        this.onEvent?.(next.value);
        yield next.value;
      }
    } finally {
      await inner.return(undefined as never);
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}

/**
 * A Backend that answers each request with the next scripted turn of spec events, and records the
 * requests: it shows exactly what the provider sends and what it makes of tool-call and JSON
 * turns, independent of any model's output.
 */
export class ScriptedBackend implements Backend {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'scripted';
  readonly requests: GenerateRequest[] = [];

  constructor(private readonly turns: GenerateEvent[][]) {}

  available(): boolean {
    return true;
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

  async *stream(request: GenerateRequest, _signal?: AbortSignal): AsyncGenerator<GenerateEvent, GenerateResult> {
    this.requests.push(structuredClone(request));
    const turn = this.turns.shift();
    if (!turn) throw new Error(`no scripted turn left for request ${this.requests.length}`);
    let text = '';
    const tokenIds: number[] = [];
    for (const event of turn) {
      if (event.type === 'text') {
        text += event.text;
        tokenIds.push(...event.tokenIds);
      }
      yield event;
      if (event.type === 'done') {
        const { type: _type, ...done } = event;
        return { text, tokenIds, ...done };
      }
    }
    throw new Error('a scripted turn must end with a done event');
  }

  async [Symbol.asyncDispose](): Promise<void> {}
}

export const scriptedTimings = { ttftMs: 12, promptTokensPerSecond: 800, generationTokensPerSecond: 40, peakMemoryBytes: 1 << 20, queueMs: 0 };
