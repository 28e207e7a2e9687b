// Hostile JSON schemas in response_format and tool parameters (found by probing the server):
// each is a 400 naming the parameter, none hangs its request, and the grammar engine still
// serves a normal schema afterwards. A schema nested thousands deep used to overflow the
// WebAssembly grammar compiler and leave it broken for every later request; a $ref to itself
// used to hang its request; bad tool schemas used to be 500s. (xgrammar 0.2.9 refuses a $ref
// chain with no schema content when it compiles: 0.1.27 compiled it into a grammar that admits
// nothing, which the engine caught only at the first mask, or for a tool mid-output.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from './helpers.js';
import { errorBody, startTinyServer, type TinyServer, tinyModelId } from './tiny-server.js';

const nested = (depth: number): unknown => (depth === 0 ? { type: 'string' } : { type: 'object', properties: { a: nested(depth - 1) }, required: ['a'] });

const schemas: [string, unknown, RegExp][] = [
  ['a $ref loop through $defs', { $defs: { a: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' }, /invalid/],
  ['nesting 2000 deep', nested(2000), /more than 64 levels deep/],
  ['a bad pattern', { type: 'string', pattern: '(' }, /regular expression/],
  ['a type that is a number', { type: 5 }, /invalid at \/type/],
  ["'not'", { not: {} }, /'not'/],
];

const messages = [{ role: 'user', content: 'x' }];
const asResponseFormat = (schema: unknown) => ({
  model: tinyModelId,
  messages,
  max_tokens: 4,
  response_format: { type: 'json_schema', json_schema: { name: 'x', schema } },
});
const asTool = (schema: unknown) => ({
  model: tinyModelId,
  messages,
  max_tokens: 4,
  tools: [{ type: 'function', function: { name: 'f', parameters: schema } }],
  tool_choice: 'required',
});

let server: TinyServer;
beforeAll(async () => {
  server = await startTinyServer();
});
afterAll(async () => server?.close());

describe('hostile schemas', () => {
  it("a $ref to itself → 400 naming response_format, and naming tools, with the engine's reason", async () => {
    for (const [body, param] of [
      [asResponseFormat({ $ref: '#' }), 'response_format'],
      [asTool({ $ref: '#' }), 'tools'],
    ] as const) {
      const response = await postJson(`${server.url}/v1/chat/completions`, body);
      expect(response.status).toBe(400);
      const error = await errorBody(response);
      expect(error.param).toBe(param);
      expect(error.message).toMatch(/Circular \$ref chain with no schema content: # -> #/);
    }
  });

  for (const [name, schema, message] of schemas) {
    it(`${name} → 400 naming response_format, and naming tools`, async () => {
      for (const [body, param] of [
        [asResponseFormat(schema), 'response_format'],
        [asTool(schema), 'tools'],
      ] as const) {
        const response = await postJson(`${server.url}/v1/chat/completions`, body);
        expect(response.status).toBe(400);
        const error = await errorBody(response);
        expect(error.param).toBe(param);
        expect(error.message).toMatch(message);
      }
    });
  }

  it('a tool whose parameters $ref themselves fails that request alone, with a 400', async () => {
    const [hostile, beside] = await Promise.all([
      postJson(`${server.url}/v1/chat/completions`, { ...asTool({ $ref: '#' }), max_tokens: 200 }),
      postJson(`${server.url}/v1/chat/completions`, { model: tinyModelId, messages, max_tokens: 30, temperature: 0 }),
    ]);
    expect(hostile.status).toBe(400);
    expect((await errorBody(hostile)).message).toMatch(/Circular \$ref chain/);
    expect(beside.status).toBe(200);
  });

  it('leave the grammar engine serving a normal schema', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
    const response = await postJson(`${server.url}/v1/chat/completions`, { ...asResponseFormat(schema), max_tokens: 40 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
    if (body.choices[0].finish_reason === 'stop') expect(Object.keys(JSON.parse(body.choices[0].message.content))).toEqual(['ok']);
    else expect(body.choices[0].message.content).toMatch(/^\s*\{/);
  });
});
