// Bearer-token check for the API routes. /health stays public so orchestrators can probe it.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OpenAIError } from './openai-error.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

export function apiKeyHook(apiKey: string) {
  const expected = digest(apiKey);
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    // CORS preflights carry no credentials by design; the CORS plugin answers them.
    if (request.method === 'OPTIONS' || !request.url.startsWith('/v1/')) return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    const given = match?.[1] ?? (typeof request.headers['x-api-key'] === 'string' ? request.headers['x-api-key'] : undefined);
    // Comparing digests keeps the comparison constant-time whatever the key's length.
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    throw new OpenAIError(
      401,
      given === undefined
        ? "No API key provided: send it as 'Authorization: Bearer <key>'."
        : 'Incorrect API key provided: use the key the server was started with (--api-key).',
      { type: 'authentication_error', code: 'invalid_api_key' },
    );
  };
}
