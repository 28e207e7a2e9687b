// POST /v1/responses: OpenAI's Responses API for text, JSON by `text.format`, or function calls by
// `tools`. `instructions` become the system message of this turn only; `previous_response_id`
// continues a conversation kept in memory (bounded), calls included; `stream: true` sends the
// API's named events (response.created … response.completed).
import { randomBytes } from 'node:crypto';
import type { GenerateResult, Message } from '@mlx-ts/backend';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toOpenAIError } from '../error-mapping.js';
import { generateChoices } from '../generate-choices.js';
import { accepted, ClientDisconnected, firstOrAccepted, shuttingDown } from '../generation-route.js';
import { OpenAIError } from '../openai-error.js';
import type { RequestParser } from '../parse-request.js';
import { recordStats } from '../request-stats.js';
import { inputMessages } from '../responses/input-items.js';
import { outputItems, StreamedOutput } from '../responses/output-items.js';
import { type ResponseShell, responseObject, statusFor } from '../responses/response-object.js';
import { ResponseStore } from '../responses/response-store.js';
import { type ParsedResponsesRequest, ResponsesParser } from '../responses/responses-schema.js';
import type { ServerState } from '../server-state.js';
import { SseWriter } from '../sse-writer.js';
import { modelNotFound } from './models.js';

/** Backend option names whose Responses API parameter is named otherwise. */
const responsesParams = { maxTokens: 'max_output_tokens', responseFormat: 'text.format' };

const newId = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;

export function registerResponsesRoute(app: FastifyInstance, state: ServerState, parser: RequestParser, modelIds: readonly string[], capacity: number): void {
  const responses = new ResponsesParser(parser.limits);
  const store = new ResponseStore(capacity);

  app.post('/v1/responses', async (request, reply) => {
    const parsed = responses.parse(request.body);
    if (!modelIds.includes(parsed.model)) throw modelNotFound(parsed.model);
    let history: readonly Message[] = [];
    if (parsed.previousResponseId !== undefined) {
      const previous = store.get(parsed.previousResponseId);
      if (!previous) {
        throw new OpenAIError(
          400,
          `Previous response with id '${parsed.previousResponseId.slice(0, 200)}' not found: this server keeps the last ${capacity} stored responses in memory, until it restarts.`,
          {
            param: 'previous_response_id',
            code: 'previous_response_not_found',
          },
        );
      }
      history = previous;
    }
    const conversation = [...history, ...inputMessages(parsed.input, history)];
    const messages: Message[] = parsed.instructions ? [{ role: 'system', content: parsed.instructions }, ...conversation] : conversation;
    const shell: ResponseShell = {
      id: newId('resp_'),
      created_at: Math.floor(Date.now() / 1000),
      model: parsed.model,
      request: parsed,
      defaults: state.defaults,
    };
    const remember = (result: GenerateResult) => {
      if (!parsed.store) return;
      const calls = result.toolCalls ?? [];
      const reply: Message =
        calls.length > 0
          ? { role: 'assistant', content: result.text.trim() === '' ? null : result.text, toolCalls: calls }
          : { role: 'assistant', content: result.text };
      store.set(shell.id, [...conversation, reply]);
    };
    return run(state, request, reply, parsed, messages, shell, remember);
  });
}

async function run(
  state: ServerState,
  request: FastifyRequest,
  reply: FastifyReply,
  parsed: ParsedResponsesRequest,
  messages: Message[],
  shell: ResponseShell,
  remember: (result: GenerateResult) => void,
): Promise<unknown> {
  const backend = state.readyBackend();
  const controller = new AbortController();
  const untrack = state.track(controller);
  const onClose = () => {
    if (!reply.raw.writableEnded) controller.abort(new ClientDisconnected());
  };
  reply.raw.on('close', onClose);
  const acceptance = accepted();
  const events = recordStats(
    request,
    generateChoices(backend, [{ messages }], 1, { ...state.defaults, ...parsed.options }, controller.signal, { onAccepted: acceptance.resolve }),
  );
  // The response for a finished generation, its output items made by `items`.
  const finished = async (result: GenerateResult, items: (status: 'completed' | 'incomplete') => unknown[] | Promise<unknown[]>) => {
    if (result.finishReason === 'abort' && !(controller.signal.reason instanceof ClientDisconnected)) throw shuttingDown();
    remember(result);
    const { status, incomplete_details } = statusFor(result.finishReason);
    return responseObject(shell, { status, incomplete_details, output: await items(status === 'completed' ? 'completed' : 'incomplete'), usage: result.usage });
  };
  try {
    if (!parsed.stream) {
      for await (const event of events) if (event.type === 'done') return finished(event, (status) => outputItems(event, status, newId));
      throw shuttingDown();
    }
    const { first } = await firstOrAccepted(events, acceptance.promise, responsesParams);
    reply.hijack();
    const writer = new SseWriter(reply.raw, state.sseKeepAliveMs);
    writer.open(reply.getHeaders());
    let sequence = 0;
    const send = (type: string, fields: Record<string, unknown>) => writer.sendEvent(type, { type, sequence_number: sequence++, ...fields });
    const inProgress = responseObject(shell, { status: 'in_progress', output: [], usage: null });
    await send('response.created', { response: inProgress });
    await send('response.in_progress', { response: inProgress });
    const output = new StreamedOutput(send, newId);
    try {
      for (let next = await first; !next.done; next = await events.next()) {
        const event = next.value;
        if (event.type === 'text' && event.text) await output.text(event.text);
        else if (event.type === 'tool-call-delta') await output.toolCallDelta(event);
        else if (event.type === 'done') {
          const response = await finished(event, (status) => output.finish(event, status));
          await send(response.status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
        }
        if (writer.closed) return reply;
      }
    } catch (error) {
      if (writer.closed) return reply;
      const mapped = toOpenAIError(error);
      await send('error', { code: mapped.code, message: mapped.message, param: mapped.param });
      await send('response.failed', {
        response: {
          ...responseObject(shell, { status: 'in_progress', output: [], usage: null }),
          status: 'failed',
          error: { code: mapped.code ?? 'server_error', message: mapped.message },
        },
      });
    }
    writer.end();
    return reply;
  } catch (error) {
    throw toOpenAIError(error, responsesParams);
  } finally {
    await events.return(undefined);
    reply.raw.off('close', onClose);
    untrack();
  }
}
