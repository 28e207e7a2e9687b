// One entry per answered request (method, route, status, tokens, time to first token, speed,
// duration), handed to ServerOptions.requestLog once the response has ended.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { generationStats } from './request-stats.js';

export interface RequestLogEntry {
  time: string;
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  /** Present for generation requests. */
  promptTokens?: number;
  cachedPromptTokens?: number;
  completionTokens?: number;
  ttftMs?: number;
  /** Completion tokens per second after the first token. */
  tokensPerSecond?: number;
  /** The client left before the response was complete. */
  aborted?: boolean;
}

export function registerRequestLog(app: FastifyInstance, log: (entry: RequestLogEntry) => void): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply) => {
    const started = performance.now();
    // 'close' fires for every response, streamed (hijacked) ones included.
    reply.raw.once('close', () => {
      const ended = performance.now();
      const entry: RequestLogEntry = {
        time: new Date().toISOString(),
        requestId: String(request.id),
        method: request.method,
        route: request.url.split('?')[0].slice(0, 200),
        status: reply.raw.statusCode,
        durationMs: Math.round(ended - started),
      };
      const stats = generationStats(request);
      if (stats) {
        entry.promptTokens = stats.promptTokens;
        entry.cachedPromptTokens = stats.cachedPromptTokens;
        entry.completionTokens = stats.completionTokens;
        if (stats.firstTokenAt !== undefined) {
          entry.ttftMs = Math.round(stats.firstTokenAt - started);
          const seconds = (ended - stats.firstTokenAt) / 1000;
          if (stats.completionTokens > 1 && seconds > 0) entry.tokensPerSecond = Math.round(((stats.completionTokens - 1) / seconds) * 10) / 10;
        }
      }
      if (!reply.raw.writableFinished) entry.aborted = true;
      log(entry);
    });
  });
}

/** The terminal form: `POST /v1/chat/completions 200  12+32 tok  ttft 45 ms  80.1 tok/s  0.52 s`. */
export function formatRequestLogLine(entry: RequestLogEntry): string {
  const parts = [`${entry.method} ${entry.route} ${entry.status}`];
  if (entry.promptTokens !== undefined) parts.push(`${entry.promptTokens}+${entry.completionTokens} tok`);
  if (entry.ttftMs !== undefined) parts.push(`ttft ${entry.ttftMs} ms`);
  if (entry.tokensPerSecond !== undefined) parts.push(`${entry.tokensPerSecond.toFixed(1)} tok/s`);
  parts.push(`${(entry.durationMs / 1000).toFixed(2)} s`);
  if (entry.aborted) parts.push('(client left)');
  return `${entry.time.slice(11, 19)} ${parts.join('  ')}`;
}
