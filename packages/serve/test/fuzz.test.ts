// Property-based fuzzing (fast-check) of the request parser and the HTTP endpoints of a real
// server: whatever arrives, the parser returns or throws a 400 OpenAIError, and the server never
// crashes, never answers 5xx to client input, and answers every error as JSON in OpenAI's shape.
// CI runs a few seconds; `pnpm fuzz` runs FUZZ_SECONDS (default 60) and prints the counts.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAIError } from '../src/server/openai-error.js';
import { RequestParser } from '../src/server/parse-request.js';
import { ResponsesParser } from '../src/server/responses/responses-schema.js';
import { anyJson, type FuzzRequest, httpRequest, knownKeyObject, nearValid } from './fuzz-arbitraries.js';
import { errorBody, startTinyServer, type TinyServer } from './tiny-server.js';

const seconds = Number(process.env.FUZZ_SECONDS ?? 4);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const budget = (share: number) => ({
  numRuns: Number.MAX_SAFE_INTEGER,
  interruptAfterTimeLimit: Math.max(500, seconds * 1000 * share),
  markInterruptAsFailure: false,
  ...(seed === undefined ? {} : { seed }),
});
const testTimeout = seconds * 1000 + 60_000;

function report(target: string, executions: number, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ fuzz: target, executions, seconds, ...extra }));
}

describe('the request parser', () => {
  const parser = new RequestParser();
  const responses = new ResponsesParser(parser.limits);
  const parse = [(b: unknown) => parser.parseChatCompletion(b), (b: unknown) => parser.parseCompletion(b), (b: unknown) => responses.parse(b)];

  it(
    'returns or throws a 400 naming a parameter, for any value',
    () => {
      let executions = 0;
      const body = fc.oneof(
        fc.anything({ maxDepth: 4 }),
        anyJson,
        knownKeyObject,
        nearValid.map((r) => JSON.parse(r.body) as unknown),
      );
      fc.assert(
        fc.property(body, fc.integer({ min: 0, max: 2 }), (value, which) => {
          executions++;
          try {
            parse[which](value);
          } catch (error) {
            if (!OpenAIError.isInstance(error) || error.status !== 400 || error.message.length < 10) throw error;
          }
        }),
        budget(0.25),
      );
      report('parser', executions);
      expect(executions).toBeGreaterThan(0);
    },
    testTimeout,
  );
});

describe('the HTTP endpoints', () => {
  let server: TinyServer;
  beforeAll(async () => {
    // Valid requests the fuzzer finds generate a few tokens at most.
    server = await startTinyServer({}, { defaults: { maxTokens: 4 }, limits: { maxTokens: 8 } });
  });
  afterAll(async () => server?.close());

  async function send(request: FuzzRequest): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = request.contentType ? { 'content-type': request.contentType } : {};
    const response = await fetch(`${server.url}${request.path}`, {
      method: request.method,
      headers,
      body: request.method === 'POST' ? request.body : undefined,
    });
    if (response.status >= 500) throw new Error(`${response.status} for client input: ${(await response.text()).slice(0, 300)}`);
    if (response.status >= 400) {
      await errorBody(response);
      return { status: response.status, body: '' };
    }
    const body = await response.text();
    // A stream that fails after it began carries its error as an event; none may be the server's fault.
    if (/"type":"server_error"/.test(body)) throw new Error(`a server error inside a 200 answer: ${body.slice(0, 300)}`);
    return { status: response.status, body };
  }

  it(
    'never crash, never answer 5xx to client input, and answer errors in OpenAI’s shape',
    async () => {
      const statuses: Record<number, number> = {};
      await fc.assert(
        fc.asyncProperty(httpRequest, async (request) => {
          const { status } = await send(request);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }),
        budget(0.75),
      );
      const executions = Object.values(statuses).reduce((a, b) => a + b, 0);
      report('http', executions, { statuses });
      expect(executions).toBeGreaterThan(0);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    },
    testTimeout,
  );
});
