// GET /health: 200 once the model serves, 503 while it loads (or reloads after its worker stopped), failed, or drains.
import type { FastifyInstance } from 'fastify';
import type { ServerState } from '../server-state.js';

export function registerHealthRoute(app: FastifyInstance, state: ServerState): void {
  app.get('/health', async (_request, reply) => {
    const backend = state.loadedBackend;
    const queued = (backend as { queuedRequests?: unknown } | undefined)?.queuedRequests;
    const { phase, error } = state.health;
    const body: Record<string, unknown> = { status: phase === 'ready' ? 'ok' : phase, active: state.activeRequests };
    if (typeof queued === 'number') body.queued = queued;
    if (error !== undefined) body.error = error;
    if (phase !== 'ready') reply.status(503).header('retry-after', phase === 'loading' ? '2' : '5');
    return body;
  });
}
