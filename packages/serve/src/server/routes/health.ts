// GET /health: 200 once the model serves, 503 while it loads, failed to load, or drains.
import type { FastifyInstance } from 'fastify';
import type { ServerState } from '../server-state.js';

export function registerHealthRoute(app: FastifyInstance, state: ServerState): void {
  app.get('/health', async (_request, reply) => {
    const backend = state.loadedBackend;
    const queued = (backend as { queuedRequests?: unknown } | undefined)?.queuedRequests;
    const body: Record<string, unknown> = { status: state.phase === 'ready' ? 'ok' : state.phase, active: state.activeRequests };
    if (typeof queued === 'number') body.queued = queued;
    if (state.phase === 'failed') body.error = state.failure?.message;
    if (state.phase !== 'ready') reply.status(503).header('retry-after', state.phase === 'loading' ? '2' : '5');
    return body;
  });
}
