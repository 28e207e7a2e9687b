// Continuous batching on the tiny random Gemma 3 (sliding window 16, float32 on CPU): requests
// that share the batch — joining and leaving at different steps, prompts shorter and longer than
// the window, different max tokens, stops and aborts — give exactly the tokens each gives alone.
import * as mx from '@mlx-ts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateEvent, type GenerateResult, MlxBackend } from '../src/index.js';
import { modelsFixtures, readJson, tinyModelFolder } from './helpers.js';

interface TinyReference {
  promptIds: number[];
  decode: { inputId: number; nextId: number }[];
}
const reference = readJson<TinyReference>(`${modelsFixtures}/tiny-gemma3-reference.json`);

let backend: MlxBackend;
beforeAll(async () => {
  backend = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32', maxBatch: 8, prefillChunkSize: 24 });
});
afterAll(async () => {
  await backend?.dispose();
});

/** Token ids 3..511 from a seed: prompts of any length without a tokenizer in the way. */
function promptOf(seed: number, length: number): number[] {
  return Array.from({ length }, (_, i) => 3 + ((seed * 7919 + i * 104729) % 500));
}

/** Runs `request` and resolves once it has streamed `tokens` tokens (or ended). */
function startAfter(stream: AsyncGenerator<GenerateEvent, GenerateResult>, tokens: number): { reached: Promise<void>; result: Promise<GenerateResult> } {
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const result = (async () => {
    let seen = 0;
    for (;;) {
      const { value, done } = await stream.next();
      if (done) {
        reach();
        return value;
      }
      if (value.type === 'text') seen += value.tokenIds.length;
      if (seen >= tokens) reach();
    }
  })();
  return { reached, result };
}

interface Job {
  prompt: number[];
  maxTokens: number;
  /** Join once the previous job has streamed this many tokens. */
  joinAfter: number;
  stop?: string[];
}

describe('batched greedy requests give the tokens each gives alone', () => {
  it('the transformers reference holds inside a batch', async () => {
    const expected = [reference.decode[0].inputId, ...reference.decode.map((d) => d.nextId)];
    const others = [promptOf(1, 30), promptOf(2, 5), promptOf(3, 17)].map((p) => backend.generate(p, { maxTokens: 40, ignoreEos: true }));
    const inBatch = await backend.generate(reference.promptIds, { maxTokens: expected.length, ignoreEos: true });
    await Promise.all(others);
    expect(inBatch.tokenIds).toEqual(expected);
  });

  it('requests waiting together are prefilled in one padded pass and give the tokens each gives alone', async () => {
    // Lengths around the window of 16 and the chunk of 24; the first request starts alone and the others wait for it.
    const prompts = [promptOf(40, 20), promptOf(41, 3), promptOf(42, 17), promptOf(43, 9), promptOf(44, 24), promptOf(45, 1)];
    backend.clearPrefixCache();
    const alone: GenerateResult[] = [];
    for (const prompt of prompts) alone.push(await backend.generate(prompt, { maxTokens: 20, ignoreEos: true }));
    backend.clearPrefixCache();
    const groupedBefore = backend.stats().groupedPrefills;
    const together = await Promise.all(prompts.map((prompt) => backend.generate(prompt, { maxTokens: 20, ignoreEos: true })));
    expect(backend.stats().groupedPrefills).toBeGreaterThan(groupedBefore);
    together.forEach((result, i) => expect(result.tokenIds).toEqual(alone[i].tokenIds));
  });

  it('without prefix reuse, waiting prompts that share a long prefix are prefilled together too', async () => {
    // As a batch bench sends them: one prompt cut at different lengths. With no prefix cache to
    // compute the shared part once, grouping them is the cheaper way.
    const shared = promptOf(50, 40);
    const prompts = [40, 39, 37, 34, 33].map((n) => shared.slice(0, n));
    const plain = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32', maxBatch: 8, prefillChunkSize: 64, reusePromptPrefix: false });
    try {
      const alone: GenerateResult[] = [];
      for (const prompt of prompts) alone.push(await plain.generate(prompt, { maxTokens: 12, ignoreEos: true }));
      const before = plain.stats().groupedPrefills;
      const together = await Promise.all(prompts.map((prompt) => plain.generate(prompt, { maxTokens: 12, ignoreEos: true })));
      expect(plain.stats().groupedPrefills).toBeGreaterThan(before);
      together.forEach((result, i) => expect(result.tokenIds).toEqual(alone[i].tokenIds));
    } finally {
      await plain.dispose();
    }
  });

  it('rows joining and leaving at different steps, prompts shorter and longer than the window, different max tokens and stops', async () => {
    const jobs: Job[] = [
      { prompt: promptOf(10, 40), maxTokens: 30, joinAfter: 0 },
      { prompt: promptOf(11, 4), maxTokens: 12, joinAfter: 3 },
      { prompt: promptOf(12, 15), maxTokens: 25, joinAfter: 2 },
      { prompt: promptOf(13, 60), maxTokens: 8, joinAfter: 5 },
      { prompt: promptOf(14, 9), maxTokens: 40, joinAfter: 1 },
      { prompt: promptOf(15, 17), maxTokens: 20, joinAfter: 4, stop: ['e'] },
      { prompt: promptOf(16, 2), maxTokens: 35, joinAfter: 6 },
    ];
    backend.clearPrefixCache();
    const alone: GenerateResult[] = [];
    for (const job of jobs) alone.push(await backend.generate(job.prompt, { maxTokens: job.maxTokens, ignoreEos: true, stop: job.stop }));
    backend.clearPrefixCache();
    const running: Promise<GenerateResult>[] = [];
    let widest = 0;
    const watch = setInterval(() => (widest = Math.max(widest, backend.stats().activeSequences)), 1);
    for (const job of jobs) {
      const started = startAfter(backend.stream({ prompt: job.prompt, maxTokens: job.maxTokens, ignoreEos: true, stop: job.stop }), Number.POSITIVE_INFINITY);
      running.push(started.result);
      // Let the batch run a few steps before the next request joins.
      if (job.joinAfter > 0) await new Promise((r) => setTimeout(r, job.joinAfter * 3));
    }
    const batched = await Promise.all(running);
    clearInterval(watch);
    // The requests really shared the batch.
    expect(widest).toBeGreaterThan(2);
    batched.forEach((result, i) => {
      expect(result.tokenIds, `request ${i}`).toEqual(alone[i].tokenIds);
      expect(result.text, `request ${i}`).toBe(alone[i].text);
      expect(result.finishReason).toBe(alone[i].finishReason);
    });
    expect(alone[5].finishReason).toBe('stop');
  });

  it('an abort mid-batch ends that row only; the others keep their tokens', async () => {
    const prompts = [promptOf(20, 20), promptOf(21, 6), promptOf(22, 33)];
    const alone = [];
    for (const p of prompts) alone.push(await backend.generate(p, { maxTokens: 30, ignoreEos: true }));
    const controller = new AbortController();
    const victim = startAfter(backend.stream({ prompt: prompts[1], maxTokens: 30, ignoreEos: true }, controller.signal), 5);
    const others = [prompts[0], prompts[2]].map((p) => backend.generate(p, { maxTokens: 30, ignoreEos: true }));
    await victim.reached;
    controller.abort();
    const aborted = await victim.result;
    expect(aborted.finishReason).toBe('abort');
    expect(aborted.tokenIds.length).toBeLessThan(30);
    expect(aborted.tokenIds).toEqual(alone[1].tokenIds.slice(0, aborted.tokenIds.length));
    const [a, c] = await Promise.all(others);
    expect(a.tokenIds).toEqual(alone[0].tokenIds);
    expect(c.tokenIds).toEqual(alone[2].tokenIds);
  });

  it('seeded sampled requests give the same tokens whatever else runs', async () => {
    const options = { maxTokens: 24, temperature: 0.9, topP: 0.95, topK: 40, seed: 77, ignoreEos: true };
    const alone = await backend.generate(promptOf(30, 12), options);
    const noise = [promptOf(31, 25), promptOf(32, 3)].map((p, i) => backend.generate(p, { maxTokens: 30, temperature: 1, seed: i, ignoreEos: true }));
    const greedy = backend.generate(promptOf(33, 18), { maxTokens: 30, ignoreEos: true });
    const inBatch = await backend.generate(promptOf(30, 12), options);
    await Promise.all([...noise, greedy]);
    expect(inBatch.tokenIds).toEqual(alone.tokenIds);
    expect(new Set(alone.tokenIds).size).toBeGreaterThan(3);
  });

  it('n rows over one prefill: greedy rows all equal the single greedy run; seeded row i equals seed + i', async () => {
    const prompt = promptOf(40, 21);
    const greedyAlone = await backend.generate(prompt, { maxTokens: 15, ignoreEos: true });
    const greedy = await Promise.all(backend.streamChoices({ prompt, maxTokens: 15, ignoreEos: true }, 3).map(drain));
    for (const r of greedy) expect(r.tokenIds).toEqual(greedyAlone.tokenIds);
    const seeded = await Promise.all(backend.streamChoices({ prompt, maxTokens: 15, temperature: 1, seed: 5, ignoreEos: true }, 3).map(drain));
    for (let i = 0; i < 3; i++) {
      const single = await backend.generate(prompt, { maxTokens: 15, temperature: 1, seed: 5 + i, ignoreEos: true });
      expect(seeded[i].tokenIds, `row ${i}`).toEqual(single.tokenIds);
    }
    expect(seeded[0].tokenIds).not.toEqual(seeded[1].tokenIds);
  });

  it('rows with and without a logits processor share a batch (bias on one row only)', async () => {
    const prompt = promptOf(50, 10);
    const banned = await backend.generate(prompt, { maxTokens: 10, ignoreEos: true });
    const bias = { [banned.tokenIds[0]]: -100, [banned.tokenIds[1]]: -100 };
    const biasedAlone = await backend.generate(prompt, { maxTokens: 10, ignoreEos: true, logitBias: bias });
    const [plain, biased] = await Promise.all([
      backend.generate(prompt, { maxTokens: 10, ignoreEos: true }),
      backend.generate(prompt, { maxTokens: 10, ignoreEos: true, logitBias: bias }),
    ]);
    expect(plain.tokenIds).toEqual(banned.tokenIds);
    expect(biased.tokenIds).toEqual(biasedAlone.tokenIds);
    expect(biased.tokenIds).not.toContain(banned.tokenIds[0]);
  });
});

describe('limits', () => {
  it('past maxKvTokens a request waits for room, then gives its tokens', async () => {
    const limited = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32', maxKvTokens: 30 });
    try {
      const events: string[] = [];
      const run = async (name: string, prompt: number[], maxTokens: number) => {
        let first = true;
        for await (const event of limited.stream({ prompt, maxTokens, ignoreEos: true })) {
          if (event.type === 'text' && first) {
            events.push(`${name} first`);
            first = false;
          }
          if (event.type === 'done') events.push(`${name} done`);
        }
      };
      const a = promptOf(70, 20);
      const b = promptOf(71, 20);
      const aloneB = await limited.generate(b, { maxTokens: 5, ignoreEos: true });
      limited.clearPrefixCache();
      const first = run('a', a, 8);
      await new Promise((r) => setTimeout(r, 1));
      await Promise.all([first, run('b', b, 5)]);
      // 20 + 20 prompt tokens exceed the 30-token budget: b starts only after a has finished.
      expect(events.indexOf('b first')).toBeGreaterThan(events.indexOf('a done'));
      expect((await limited.generate(b, { maxTokens: 5, ignoreEos: true })).tokenIds).toEqual(aloneB.tokenIds);
    } finally {
      await limited.dispose();
    }
  });
});

describe('prefix reuse across requests', () => {
  it('two interleaved conversations both reuse their history, with the same tokens as without reuse', async () => {
    backend.clearPrefixCache();
    const a1 = promptOf(60, 30);
    const b1 = promptOf(61, 22);
    const ra1 = await backend.generate(a1, { maxTokens: 6, ignoreEos: true });
    const rb1 = await backend.generate(b1, { maxTokens: 6, ignoreEos: true });
    const a2 = [...a1, ...ra1.tokenIds, ...promptOf(62, 7)];
    const b2 = [...b1, ...rb1.tokenIds, ...promptOf(63, 5)];
    const [ra2, rb2] = await Promise.all([backend.generate(a2, { maxTokens: 12, ignoreEos: true }), backend.generate(b2, { maxTokens: 12, ignoreEos: true })]);
    expect(ra2.usage.cachedPromptTokens).toBe(a1.length);
    expect(rb2.usage.cachedPromptTokens).toBe(b1.length);
    const fresh = await MlxBackend.load(tinyModelFolder(), { dtype: 'float32', reusePromptPrefix: false });
    try {
      expect(ra2.tokenIds).toEqual((await fresh.generate(a2, { maxTokens: 12, ignoreEos: true })).tokenIds);
      expect(rb2.tokenIds).toEqual((await fresh.generate(b2, { maxTokens: 12, ignoreEos: true })).tokenIds);
    } finally {
      await fresh.dispose();
    }
  });
});

describe('memory', () => {
  it('many overlapping requests leave the wrapper count and active memory flat', async () => {
    const wave = (w: number) =>
      Promise.all(
        Array.from({ length: 12 }, (_, i) => {
          const controller = new AbortController();
          if (i % 5 === 0) setTimeout(() => controller.abort(), 2 + i);
          return backend.generate(
            promptOf(w * 100 + i, 3 + ((i * 7) % 40)),
            { maxTokens: 2 + ((i * 5) % 17), ignoreEos: true, temperature: i % 2, seed: i },
            controller.signal,
          );
        }),
      );
    await wave(0);
    backend.clearPrefixCache();
    mx.memory.clearCache();
    const live = mx.liveArrayCount();
    const active = mx.memory.getActiveMemory();
    for (let w = 1; w <= 20; w++) await wave(w);
    backend.clearPrefixCache();
    mx.memory.clearCache();
    expect(mx.liveArrayCount()).toBe(live);
    expect(mx.memory.getActiveMemory()).toBeLessThanOrEqual(active + 1024 * 1024);
  });
});

async function drain(stream: AsyncGenerator<GenerateEvent, GenerateResult>): Promise<GenerateResult> {
  for (;;) {
    const { value, done } = await stream.next();
    if (done) return value;
  }
}
