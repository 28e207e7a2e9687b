// What an omitted parameter means, seen by the official openai client against `mlx-ts serve`:
// generation_config.json's values when the model has them, else OpenAI's (temperature 1), and
// --temp over both; the default max_tokens as /v1/models states it; limits named in messages;
// fields clients send routinely are accepted.
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type Running, runCli, tinyContextLength, tinyModel } from './cli-helpers.js';

const running: Running[] = [];

async function serve(args: string[], generationConfig?: Record<string, unknown>) {
  const port = await freePort();
  const server = runCli(['serve', '--model', tinyModel(generationConfig), '--port', String(port), '--log-format', 'off', ...args]);
  running.push(server);
  await server.waitFor(/serving model "([^"]+)"/);
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
  const id = (await client.models.list()).data[0].id;
  return { client, id, port };
}

afterAll(async () => {
  for (const server of running) server.child.kill('SIGTERM');
  await Promise.all(running.map((server) => server.exited));
});

const messages = [{ role: 'user' as const, content: 'Write a word.' }];
// EOS banned so each choice runs to max_tokens and the answers are comparable.
const noEos = { '1': -100, '106': -100 };

type Choice = OpenAI.Chat.Completions.ChatCompletion.Choice;

/**
 * A choice's tokens, each as its bytes (logprobs), so that two answers compare by token and not by
 * text: the tiny model's random tokens often decode to the same replacement characters.
 */
function tokensOf(choice: Choice): number[][] {
  const tokens = choice.logprobs?.content?.map((t) => t.bytes ?? []) ?? [];
  expect(tokens).toHaveLength(12);
  return tokens;
}

describe('omitted sampling parameters', () => {
  it('without generation_config.json: temperature 1, so n: 2 gives two different answers', async () => {
    const { client, id } = await serve([]);
    const response = await client.chat.completions.create({ model: id, messages, n: 2, max_tokens: 12, logit_bias: noEos, logprobs: true });
    expect(response.choices).toHaveLength(2);
    expect(tokensOf(response.choices[0])).not.toEqual(tokensOf(response.choices[1]));
  });

  it("generation_config.json's temperature applies (0: greedy, both choices equal the explicit temperature 0 answer); --temp overrides it", async () => {
    const greedy = await serve([], { temperature: 0 });
    const implicit = await greedy.client.chat.completions.create({ model: greedy.id, messages, n: 2, max_tokens: 12, logit_bias: noEos, logprobs: true });
    const explicit = await greedy.client.chat.completions.create({
      model: greedy.id,
      messages,
      max_tokens: 12,
      temperature: 0,
      logit_bias: noEos,
      logprobs: true,
    });
    expect(tokensOf(implicit.choices[0])).toEqual(tokensOf(explicit.choices[0]));
    expect(tokensOf(implicit.choices[1])).toEqual(tokensOf(explicit.choices[0]));
    expect(implicit.choices[0].message.content).toBe(explicit.choices[0].message.content);

    const overridden = await serve(['--temp', '1'], { temperature: 0 });
    const sampled = await overridden.client.chat.completions.create({
      model: overridden.id,
      messages,
      n: 2,
      max_tokens: 12,
      logit_bias: noEos,
      logprobs: true,
    });
    expect(tokensOf(sampled.choices[0])).not.toEqual(tokensOf(sampled.choices[1]));
  });
});

describe('max_tokens', () => {
  it('/v1/models states the default and the context; an omitted max_tokens uses --max-tokens', async () => {
    const { client, id, port } = await serve(['--max-tokens', '7']);
    const listed = (await (await fetch(`http://127.0.0.1:${port}/v1/models`)).json()) as { data: Record<string, unknown>[] };
    expect(listed.data[0]).toMatchObject({ id, default_max_tokens: 7, max_model_len: tinyContextLength(), limits: { n: 8 } });
    const response = await client.chat.completions.create({ model: id, messages, logit_bias: noEos });
    expect(response.usage!.completion_tokens).toBe(7);
    expect(response.choices[0].finish_reason).toBe('length');
  });

  it('an explicit max_tokens past the context is a 400 giving the largest allowed value', async () => {
    const { client, id } = await serve([]);
    const error = await client.chat.completions.create({ model: id, messages, max_tokens: tinyContextLength() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/at most \d+/);
  });
});

describe('messages about limits and fields clients send routinely', () => {
  it('n past the limit names the number and the flag; --max-choices raises it', async () => {
    const { client, id } = await serve(['--max-choices', '3']);
    const error = (await client.chat.completions.create({ model: id, messages, n: 4, max_tokens: 1 }).catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.BadRequestError
    >;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toContain('from 1 to 3');
    expect(error.message).toContain('--max-choices');
    const three = await client.chat.completions.create({ model: id, messages, n: 3, max_tokens: 1 });
    expect(three.choices).toHaveLength(3);
  });

  it('a bad role is reported as a bad role', async () => {
    const { client, id } = await serve([]);
    const error = (await client.chat.completions
      .create({ model: id, messages: [{ role: 'robot', content: 'hi' } as never], max_tokens: 1 })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.BadRequestError>;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.param).toBe('messages[0].role');
    expect(error.message).toMatch(/^400 Invalid role in 'messages\[0\]\.role': got "robot"; it must be one of 'system', 'developer', 'user', 'assistant'\.$/);
  });

  it('user, metadata, store, service_tier and parallel_tool_calls are accepted', async () => {
    const { client, id } = await serve([]);
    const response = await client.chat.completions.create({
      model: id,
      messages,
      max_tokens: 2,
      user: 'user-1',
      metadata: { purpose: 'test' },
      store: false,
      service_tier: 'auto',
      parallel_tool_calls: true,
    });
    expect(response.choices[0].finish_reason).toBeDefined();
  });
});
