// GET /v1/models and /v1/models/:id — the allow-list of model ids this server answers to.
import type { FastifyInstance } from 'fastify';
import { OpenAIError } from '../openai-error.js';

export function modelNotFound(model: string): OpenAIError {
  return new OpenAIError(404, `The model '${model.slice(0, 200)}' does not exist on this server; use one listed by GET /v1/models.`, {
    type: 'invalid_request_error',
    param: 'model',
    code: 'model_not_found',
  });
}

/**
 * `meta` adds what clients otherwise guess: the context length (vLLM's max_model_len, null until
 * the model has loaded), the max_tokens an omitted one means, and the request limits.
 */
export function registerModelRoutes(
  app: FastifyInstance,
  modelIds: readonly string[],
  created: number,
  meta: () => Record<string, unknown> = () => ({}),
): void {
  const describe = (id: string) => ({ id, object: 'model', created, owned_by: 'mlx-ts', ...meta() });
  app.get('/v1/models', async () => ({ object: 'list', data: modelIds.map(describe) }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => {
    if (!modelIds.includes(request.params.id)) throw modelNotFound(request.params.id);
    return describe(request.params.id);
  });
}
