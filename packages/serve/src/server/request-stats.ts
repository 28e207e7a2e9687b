// What a generation request did, for the request log: tokens in and out, and when the first
// token left. Kept per request (a WeakMap, so nothing outlives the request object).
import type { FastifyRequest } from 'fastify';
import type { ChoiceEvent } from './generate-choices.js';

export interface GenerationStats {
  promptTokens: number;
  cachedPromptTokens: number;
  completionTokens: number;
  /** performance.now() of the first generated text, if any. */
  firstTokenAt?: number;
}

const byRequest = new WeakMap<FastifyRequest, GenerationStats>();

export function generationStats(request: FastifyRequest): GenerationStats | undefined {
  return byRequest.get(request);
}

/** Passes the events through, counting them into the request's stats. */
export async function* recordStats(request: FastifyRequest, events: AsyncGenerator<ChoiceEvent>): AsyncGenerator<ChoiceEvent> {
  const stats: GenerationStats = { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 };
  byRequest.set(request, stats);
  try {
    for (;;) {
      const next = await events.next();
      if (next.done) return;
      const event = next.value;
      if (event.type === 'text' && stats.firstTokenAt === undefined) stats.firstTokenAt = performance.now();
      if (event.type === 'done') {
        if (event.choiceOfPrompt === 0) {
          stats.promptTokens += event.usage.promptTokens;
          stats.cachedPromptTokens += event.usage.cachedPromptTokens;
        }
        stats.completionTokens += event.usage.completionTokens;
      }
      yield event;
    }
  } finally {
    await events.return(undefined);
  }
}
