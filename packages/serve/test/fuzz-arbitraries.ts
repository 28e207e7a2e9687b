// fast-check generators of hostile input for the request parser and the HTTP endpoints: random
// JSON, random bytes, near-valid requests with one field replaced, deep nesting, huge values and
// unicode from the whole code space.
import fc from 'fast-check';
import { tinyModelId } from './tiny-server.js';

export const paths = ['/v1/chat/completions', '/v1/completions', '/v1/responses'] as const;

/** Any JSON value, strings from the whole unicode range (lone surrogates included). */
export const anyJson = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });

/** Every parameter the endpoints know, so generated objects reach past the unknown-field check. */
const knownKeys = [
  'model',
  'messages',
  'prompt',
  'input',
  'instructions',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'n',
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'response_format',
  'tools',
  'tool_choice',
  'presence_penalty',
  'frequency_penalty',
  'repetition_penalty',
  'best_of',
  'echo',
  'suffix',
  'user',
  'metadata',
  'store',
  'text',
  'previous_response_id',
];

const valueOfAnyShape = fc.oneof(anyJson, fc.constantFrom(0, -1, 1e308, -1e308, 1.5, 2 ** 53, '', '\u0000', [], {}, null, true));

/** Valid requests for each endpoint (small max tokens: a valid request is cheap to serve). */
const validBodies: Record<(typeof paths)[number], Record<string, unknown>> = {
  '/v1/chat/completions': { model: tinyModelId, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 },
  '/v1/completions': { model: tinyModelId, prompt: 'Hi', max_tokens: 3 },
  '/v1/responses': { model: tinyModelId, input: 'Hi', max_output_tokens: 3 },
};

/** A valid request with some known fields replaced by values of any shape. */
export const nearValid = fc
  .record({
    path: fc.constantFrom(...paths),
    overrides: fc.dictionary(fc.constantFrom(...knownKeys), valueOfAnyShape, { maxKeys: 3 }),
    text: fc.string({ unit: 'binary', maxLength: 64 }),
  })
  .map(({ path, overrides, text }) => {
    const body: Record<string, unknown> = { ...validBodies[path], ...overrides };
    if (path === '/v1/chat/completions' && !('messages' in overrides)) body.messages = [{ role: 'user', content: text || 'x' }];
    return { path, body: JSON.stringify(body) };
  });

/** Objects built from known keys only, values of any shape. */
export const knownKeyObject = fc.dictionary(fc.constantFrom(...knownKeys), valueOfAnyShape, { maxKeys: 8 });

/** Arrays or objects nested far deeper than any request needs. */
const deep = fc.record({ depth: fc.integer({ min: 1, max: 20_000 }), object: fc.boolean(), path: fc.constantFrom(...paths) }).map(({ depth, object, path }) => {
  const inner = object ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
  return { path, body: `{"model":"${tinyModelId}","messages":${inner},"prompt":${inner},"input":${inner}}` };
});

/** One huge value: a long string, a long list or many keys (some past the body limit). */
const huge = fc
  .record({ size: fc.integer({ min: 1, max: 1_500_000 }), kind: fc.constantFrom('string', 'list', 'keys', 'stops'), path: fc.constantFrom(...paths) })
  .map(({ size, kind, path }) => {
    const body: Record<string, unknown> = { ...validBodies[path] };
    if (kind === 'string') body.prompt = body.input = 'z'.repeat(size);
    if (kind === 'list') body.prompt = Array.from({ length: Math.min(size, 200_000) }, () => 7);
    if (kind === 'keys') body.logit_bias = Object.fromEntries(Array.from({ length: Math.min(size, 50_000) }, (_, i) => [String(i), 1]));
    if (kind === 'stops') body.stop = Array.from({ length: Math.min(size, 20_000) }, (_, i) => `s${i}`);
    return { path, body: JSON.stringify(body) };
  });

const randomBytes = fc
  .record({ path: fc.constantFrom(...paths), bytes: fc.uint8Array({ maxLength: 512 }) })
  .map(({ path, bytes }) => ({ path, body: Buffer.from(bytes) }));
const randomJson = fc
  .record({ path: fc.constantFrom(...paths), value: fc.oneof(anyJson, knownKeyObject) })
  .map(({ path, value }) => ({ path, body: JSON.stringify(value) }));
const randomText = fc
  .record({ path: fc.constantFrom(...paths), text: fc.string({ unit: 'binary', maxLength: 256 }) })
  .map(({ path, text }) => ({ path, body: text }));

export interface FuzzRequest {
  path: string;
  body: string | Buffer;
  method: 'POST' | 'GET';
  contentType: string;
}

/** A request to one of the endpoints (or a random route), with a mostly-JSON content type. */
export const httpRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    target: fc.oneof({ weight: 4, arbitrary: nearValid }, { weight: 2, arbitrary: randomJson }, randomBytes, randomText, deep, huge),
    method: fc.oneof({ weight: 19, arbitrary: fc.constant('POST' as const) }, fc.constant('GET' as const)),
    contentType: fc.constantFrom(
      'application/json',
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/json; charset=latin1',
      '',
    ),
    randomPath: fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, fc.string({ unit: 'grapheme-ascii', maxLength: 40 })),
  })
  .map(({ target, method, contentType, randomPath }) => ({
    ...target,
    path: randomPath === null ? target.path : `/${encodeURI(randomPath)}`,
    method,
    contentType,
  }));
