// WorkerBackend: the same engine on a worker thread. Same tokens as in-process, typed errors
// cross the thread, and this thread's event loop stays free while the model generates.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheError } from '@mlx-ts/cache';
import { MlxError } from '@mlx-ts/core';
import { ModelLoadError } from '@mlx-ts/models';
import { SampleOptionsError } from '@mlx-ts/sample';
import { MlxTsError } from '@mlx-ts/spec';
import { TokenizerError } from '@mlx-ts/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendBusyError, BackendClosedError, InvalidRequestError, WorkerBackend } from '../src/index.js';
import { deserializeError, serializeError } from '../src/worker/error-transfer.js';
import { modelsFixtures, readJson, tinyModelFolder } from './helpers.js';

interface TinyReference {
  promptIds: number[];
  decode: { inputId: number; nextId: number }[];
}
const reference = readJson<TinyReference>(`${modelsFixtures}/tiny-gemma3-reference.json`);

let backend: WorkerBackend;
beforeAll(async () => {
  backend = await WorkerBackend.load(tinyModelFolder(), { dtype: 'float32' });
});
afterAll(async () => {
  await backend?.dispose();
});

describe('WorkerBackend', () => {
  it('generates the reference tokens and reports the context length', async () => {
    const expected = [reference.decode[0].inputId, ...reference.decode.map((d) => d.nextId)];
    const result = await backend.generate(reference.promptIds, { maxTokens: expected.length, ignoreEos: true });
    expect(result.tokenIds).toEqual(expected);
    expect(backend.contextLength).toBe(8192);
  });

  it('keeps this thread free: its event loop turns many times per generated token', async () => {
    // Count event-loop turns (a setImmediate chain) while the worker generates. In-process, MLX on
    // the CPU holds the thread for most of each step, leaving about one turn per token.
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    const result = await backend.generate('Once upon a time', { maxTokens: 200, ignoreEos: true });
    running = false;
    expect(result.usage.completionTokens).toBe(200);
    expect(turns, `${turns} turns for 200 tokens`).toBeGreaterThan(200 * 10);
  });

  it('invalid options arrive as InvalidRequestError naming the option', async () => {
    await expect(backend.generate('hi', { topP: 2 })).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'topP');
  });

  it('a model that cannot load arrives as the same ModelLoadError class, fields and code', async () => {
    const missing = join(tmpdir(), 'mlx-ts-no-such-model');
    const error = await WorkerBackend.load(missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ModelLoadError.isInstance(error), `expected a ModelLoadError, got ${String(error)}`).toBe(true);
    expect(MlxTsError.isInstance(error)).toBe(true);
    expect(error).toBeInstanceOf(ModelLoadError);
    const e = error as ModelLoadError;
    expect(e.code).toBe('model_load_error');
    expect(e.name).toBe('ModelLoadError');
    expect(e.file).toBe(missing);
    expect(e.message).toContain(missing);
  });

  it('rebuilds every error class of the engine with its markers, fields and cause', () => {
    const cause = new MlxError('shape mismatch');
    const errors = [
      new ModelLoadError({ file: 'f.gguf', problem: 'truncated', fix: 'download it again', cause }),
      new InvalidRequestError('topP must be in (0, 1]', 'topP'),
      new BackendBusyError(3, 2),
      new BackendClosedError(),
      new TokenizerError('the chat template failed'),
      new CacheError('bad prompt-cache file'),
      new SampleOptionsError('topK', 'expected an integer'),
    ];
    for (const original of errors) {
      // Through a structured clone, as postMessage sends it.
      const rebuilt = deserializeError(structuredClone(serializeError(original)));
      const type = original.constructor as typeof MlxTsError;
      expect(type.isInstance(rebuilt), original.name).toBe(true);
      expect(rebuilt).toBeInstanceOf(type);
      expect({ ...rebuilt }).toEqual({ ...original });
      expect(rebuilt.message).toBe(original.message);
    }
    const rebuiltCause = deserializeError(structuredClone(serializeError(errors[0]))).cause;
    expect(MlxError.isInstance(rebuiltCause)).toBe(true);
    const plain = deserializeError(structuredClone(serializeError(new RangeError('x'))));
    expect(MlxTsError.isInstance(plain)).toBe(false);
    expect(plain.message).toBe('x');
  });

  it('an abort crosses the thread', async () => {
    const controller = new AbortController();
    let seen = 0;
    let finish: string | undefined;
    for await (const event of backend.stream({ prompt: 'Hello', maxTokens: 1000, ignoreEos: true }, controller.signal)) {
      if (event.type === 'text' && ++seen === 2) controller.abort();
      if (event.type === 'done') finish = event.finishReason;
    }
    expect(finish).toBe('abort');
  });
});
