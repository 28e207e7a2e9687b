// GET /metrics: Prometheus text exposition (no API key, as /health: scrapers run beside the server).
import type { FastifyInstance } from 'fastify';
import type { ServerMetrics } from '../metrics.js';

export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.contentType);
    return metrics.text();
  });
}
