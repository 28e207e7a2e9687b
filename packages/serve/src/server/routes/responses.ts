// POST /v1/responses: OpenAI's Responses API for text, or JSON by `text.format`. `instructions` become the system message
// of this turn only; `previous_response_id` continues a conversation kept in memory (bounded);
// `stream: true` sends the API's named events (response.created … response.completed).
import { randomBytes } from 'node:crypto';
import type { GenerateResult, Message } from '@mlx-ts/backend';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toOpenAIError } from '../error-mapping.js';
import { type ChoiceEvent, generateChoices } from '../generate-choices.js';
import { ClientDisconnected, shuttingDown } from '../generation-route.js';
import { OpenAIError } from '../openai-error.js';
import type { RequestParser } from '../parse-request.js';
import { recordStats } from '../request-stats.js';
import { messageItem, outputTextPart, type ResponseShell, responseObject, statusFor } from '../responses/response-object.js';
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
    const conversation = [...history, ...parsed.input];
    const messages: Message[] = parsed.instructions ? [{ role: 'system', content: parsed.instructions }, ...conversation] : conversation;
    const shell: ResponseShell = {
      id: newId('resp_'),
      created_at: Math.floor(Date.now() / 1000),
      model: parsed.model,
      request: parsed,
      defaults: state.defaults,
    };
    const remember = (text: string) => {
      if (parsed.store) store.set(shell.id, [...conversation, { role: 'assistant', content: text }]);
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
  remember: (text: string) => void,
): Promise<unknown> {
  const backend = state.readyBackend();
  const controller = new AbortController();
  const untrack = state.track(controller);
  const onClose = () => {
    if (!reply.raw.writableEnded) controller.abort(new ClientDisconnected());
  };
  reply.raw.on('close', onClose);
  const events = recordStats(request, generateChoices(backend, [{ messages }], 1, { ...state.defaults, ...parsed.options }, controller.signal));
  const itemId = newId('msg_');
  const finished = (result: GenerateResult) => {
    if (result.finishReason === 'abort' && !(controller.signal.reason instanceof ClientDisconnected)) throw shuttingDown();
    remember(result.text);
    const { status, incomplete_details } = statusFor(result.finishReason);
    return responseObject(shell, {
      status,
      incomplete_details,
      output: [messageItem(itemId, status === 'completed' ? 'completed' : 'incomplete', result.text)],
      usage: result.usage,
    });
  };
  try {
    if (!parsed.stream) {
      for await (const event of events) if (event.type === 'done') return finished(event);
      throw shuttingDown();
    }
    let first: IteratorResult<ChoiceEvent>;
    try {
      first = await events.next();
    } catch (error) {
      throw toOpenAIError(error, responsesParams);
    }
    reply.hijack();
    const writer = new SseWriter(reply.raw);
    writer.open(reply.getHeaders());
    let sequence = 0;
    const send = (type: string, fields: Record<string, unknown>) => writer.sendEvent(type, { type, sequence_number: sequence++, ...fields });
    const where = { item_id: itemId, output_index: 0, content_index: 0 };
    const inProgress = responseObject(shell, { status: 'in_progress', output: [], usage: null });
    await send('response.created', { response: inProgress });
    await send('response.in_progress', { response: inProgress });
    await send('response.output_item.added', { output_index: 0, item: messageItem(itemId, 'in_progress') });
    await send('response.content_part.added', { ...where, part: outputTextPart('') });
    let _text = '';
    try {
      for (let next = first; !next.done; next = await events.next()) {
        const event = next.value;
        if (event.type === 'text' && event.text) {
          _text += event.text;
          await send('response.output_text.delta', { ...where, delta: event.text, logprobs: [] });
        } else if (event.type === 'done') {
          const response = finished(event);
          await send('response.output_text.done', { ...where, text: event.text, logprobs: [] });
          await send('response.content_part.done', { ...where, part: outputTextPart(event.text) });
          await send('response.output_item.done', { output_index: 0, item: response.output[0] });
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
