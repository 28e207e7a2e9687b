// A burst of 100 concurrent requests over real HTTP, a third of them invalid in varied ways: each
// invalid one gets its 4xx with a message that names the fix, each valid one completes, and the
// default queue is deep enough that nobody gets 429. A small configured queue answers 429 with
// Retry-After once it is full, and only then.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, sseEvents } from './helpers.js';
import { errorBody, startTinyServer, type TinyServer, tinyModelId } from './tiny-server.js';

const contextLength = 1024;
const messages = [{ role: 'user', content: 'Hi there' }];

interface Case {
  path: string;
  body: unknown;
  /** For invalid cases: the status and a pattern the message must match. */
  expect?: { status: number; param: string | null; message: RegExp };
}

const invalid: Case[] = [
  {
    path: '/v1/chat/completions',
    body: { model: tinyModelId, messages, temperature: 'hot' },
    expect: { status: 400, param: 'temperature', message: /temperature.*"hot"/ },
  },
  { path: '/v1/chat/completions', body: { model: tinyModelId, messages: 5 }, expect: { status: 400, param: 'messages', message: /messages/ } },
  { path: '/v1/chat/completions', body: { model: 'gpt-17', messages }, expect: { status: 404, param: 'model', message: /gpt-17/ } },
  {
    path: '/v1/chat/completions',
    body: { model: tinyModelId, messages, max_tokens: contextLength },
    expect: { status: 400, param: 'max_tokens', message: new RegExp(`context of ${contextLength}.*at most \\d+`) },
  },
  { path: '/v1/completions', body: '{"model": "tiny-gemma3", "prompt": ', expect: { status: 400, param: null, message: /not valid JSON/ } },
  {
    path: '/v1/chat/completions',
    body: { model: tinyModelId, messages, n: 9 },
    expect: { status: 400, param: 'n', message: /from 1 to 8 \(this server's limit/ },
  },
  {
    path: '/v1/completions',
    body: { model: tinyModelId, prompt: Array.from({ length: 17 }, () => 'x') },
    expect: { status: 400, param: 'prompt', message: /at most 16 strings/ },
  },
  {
    path: '/v1/completions',
    body: { model: tinyModelId, prompt: 'Hi', max_tokens: 2, stream: 'yes' },
    expect: { status: 400, param: 'stream', message: /stream/ },
  },
];

function valid(i: number): Case {
  const maxTokens = 2 + (i % 5);
  const stream = i % 2 === 0;
  if (i % 4 < 2)
    return { path: '/v1/chat/completions', body: { model: tinyModelId, messages: [{ role: 'user', content: `Say ${i}` }], max_tokens: maxTokens, stream } };
  return { path: '/v1/completions', body: { model: tinyModelId, prompt: `Count to ${i}`, max_tokens: maxTokens, stream, n: 1 + (i % 3) } };
}

/** The request list: every third one invalid, cycling through the kinds above. */
const burst: Case[] = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? invalid[(i / 3) % invalid.length] : valid(i)));

/** Checks a valid request's answer completed: every choice has a finish reason. */
async function expectCompleted(response: Response, request: unknown): Promise<void> {
  const body = request as { stream?: boolean; n?: number };
  expect(response.status).toBe(200);
  const choices = new Set<number>();
  if (body.stream) {
    const events = sseEvents(await response.text());
    expect(events.at(-1)).toBe('[DONE]');
    for (const event of events.slice(0, -1) as { choices: { index: number; finish_reason: string | null }[] }[]) {
      for (const choice of event.choices) if (choice.finish_reason) choices.add(choice.index);
    }
  } else {
    const json = (await response.json()) as { choices: { index: number; finish_reason: string }[] };
    for (const choice of json.choices) if (choice.finish_reason) choices.add(choice.index);
  }
  expect(choices.size).toBe(body.n ?? 1);
}

describe('a mixed burst of 100 requests on the default queue', () => {
  let server: TinyServer;
  beforeAll(async () => {
    server = await startTinyServer();
  });
  afterAll(async () => server?.close());

  it('answers every invalid request with its 4xx and completes every valid one', async () => {
    const responses = await Promise.all(burst.map((c) => postJson(`${server.url}${c.path}`, c.body)));
    let invalidCount = 0;
    for (const [i, response] of responses.entries()) {
      const c = burst[i];
      if (c.expect) {
        invalidCount++;
        expect(response.status, JSON.stringify(c.body)).toBe(c.expect.status);
        const error = await errorBody(response);
        expect(error.param).toBe(c.expect.param);
        expect(error.message).toMatch(c.expect.message);
      } else {
        await expectCompleted(response, c.body);
      }
    }
    expect(invalidCount).toBe(34);
    const health = (await (await fetch(`${server.url}/health`)).json()) as { status: string; active: number; queued: number };
    expect(health).toMatchObject({ status: 'ok', active: 0, queued: 0 });
  });
});

describe('a small configured queue', () => {
  let server: TinyServer;
  beforeAll(async () => {
    server = await startTinyServer({ maxBatch: 1, maxQueue: 2 });
  });
  afterAll(async () => server?.close());

  it('answers 429 with Retry-After once it is full, and serves the requests it took', async () => {
    const body = { model: tinyModelId, prompt: 'Hello', max_tokens: 8 };
    const responses = await Promise.all(Array.from({ length: 12 }, () => postJson(`${server.url}/v1/completions`, body)));
    const statuses = responses.map((r) => r.status);
    // One row runs and two wait: at least three are served, and the rest are refused, not dropped.
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    for (const response of responses) {
      if (response.status === 200) {
        await expectCompleted(response, body);
        continue;
      }
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const error = await errorBody(response);
      expect(error.code).toBe('rate_limit_exceeded');
      expect(error.message).toMatch(/requests are already waiting.*Retry in \d+ s/);
    }
  });

  it('takes requests again once the queue has room', async () => {
    const response = await postJson(`${server.url}/v1/completions`, { model: tinyModelId, prompt: 'Hello', max_tokens: 2 });
    await expectCompleted(response, {});
  });
});
