// WorkerBackend: the same engine on a worker thread. Same tokens as in-process, typed errors
// cross the thread, and this thread's event loop stays free while the model generates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError, WorkerBackend } from '../src/index.js';
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

  it('keeps this thread free: timers fire on schedule during generation', async () => {
    let ticks = 0;
    let worstGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const started = performance.now();
    const result = await backend.generate('Once upon a time', { maxTokens: 400, ignoreEos: true });
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(result.usage.completionTokens).toBe(400);
    // A busy 2-core machine delays timers too; what must not happen is the loop stalling per token.
    expect(ticks).toBeGreaterThan((elapsed / 5) * 0.5);
    expect(worstGap).toBeLessThan(250);
  });

  it('invalid options arrive as InvalidRequestError naming the option', async () => {
    await expect(backend.generate('hi', { topP: 2 })).rejects.toSatisfy((e) => InvalidRequestError.isInstance(e) && e.param === 'topP');
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
