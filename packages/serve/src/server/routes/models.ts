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

export function registerModelRoutes(app: FastifyInstance, modelIds: readonly string[], created: number): void {
  const describe = (id: string) => ({ id, object: 'model', created, owned_by: 'mlx-ts' });
  app.get('/v1/models', async () => ({ object: 'list', data: modelIds.map(describe) }));
  app.get<{ Params: { id: string } }>('/v1/models/:id', async (request) => {
    if (!modelIds.includes(request.params.id)) throw modelNotFound(request.params.id);
    return describe(request.params.id);
  });
}
