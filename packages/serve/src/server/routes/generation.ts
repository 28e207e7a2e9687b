// POST /v1/chat/completions and POST /v1/completions.
import type { FastifyInstance } from 'fastify';
import { runGeneration } from '../generation-route.js';
import type { RequestParser } from '../parse-request.js';
import { chatFormat, completionFormat } from '../response-format.js';
import type { ServerState } from '../server-state.js';
import { modelNotFound } from './models.js';

export function registerGenerationRoutes(app: FastifyInstance, state: ServerState, parser: RequestParser, modelIds: readonly string[]): void {
  // The model field only selects among the allowed ids: a request never makes the server load anything.
  const checkModel = (model: string) => {
    if (!modelIds.includes(model)) throw modelNotFound(model);
  };

  app.post('/v1/chat/completions', async (request, reply) => {
    const parsed = parser.parseChatCompletion(request.body);
    checkModel(parsed.model);
    return runGeneration(state, request, reply, { ...parsed, inputs: [{ messages: parsed.messages }] }, chatFormat);
  });

  app.post('/v1/completions', async (request, reply) => {
    const parsed = parser.parseCompletion(request.body);
    checkModel(parsed.model);
    const inputs = parsed.prompts.map((prompt) => ({ prompt }));
    return runGeneration(state, request, reply, { ...parsed, inputs, renames: { topLogprobs: 'logprobs' } }, completionFormat);
  });
}
