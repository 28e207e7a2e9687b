// Runs the n choices of each prompt and tags every event with its choice index (prompt p, choice
// j → index p·n + j). Where the backend offers streamChoices, the n choices of a prompt share one
// prefill and decode side by side, their events interleaved; otherwise (and with structured
// output or tools, which a backend may refuse with n > 1) they run one after another, and
// consecutive choices reuse the prompt's cached prefix.
import type {
  Backend,
  GenerateEvent,
  GenerateOptions,
  GenerateRequest,
  GenerateResult,
  Message,
  StreamHooks,
  TextEvent,
  ToolCallDeltaEvent,
} from '@mlx-ts/spec';

export type GenerationInput = { messages: readonly Message[] } | { prompt: string | readonly number[] };

/** A backend stream event of one choice; the last one of each choice carries the whole result. */
export type ChoiceEvent = { index: number; choiceOfPrompt: number } & (
  | TextEvent
  // The call's own index (within the choice) moves to callIndex; `index` is the choice's.
  | (Omit<ToolCallDeltaEvent, 'index'> & { callIndex: number })
  | ({ type: 'done' } & GenerateResult)
);

export async function* generateChoices(
  backend: Backend,
  inputs: readonly GenerationInput[],
  n: number,
  options: GenerateOptions,
  signal: AbortSignal,
  hooks?: StreamHooks,
): AsyncGenerator<ChoiceEvent> {
  const together = n > 1 && backend.streamChoices !== undefined && !constrained(options);
  for (const [promptIndex, input] of inputs.entries()) {
    if (together) {
      const request = { ...input, ...options } as GenerateRequest;
      const streams = backend.streamChoices!(request, n, signal, hooks);
      yield* interleave(streams.map((events, choice) => tagged(events, promptIndex * n + choice, choice)));
      continue;
    }
    for (let choice = 0; choice < n; choice++) {
      // A seeded request with n > 1 still gives n different samples, reproducibly.
      const seed = options.seed === undefined ? undefined : options.seed + choice;
      const request = { ...input, ...options, ...(seed === undefined ? {} : { seed }) } as GenerateRequest;
      yield* tagged(backend.stream(request, signal, hooks), promptIndex * n + choice, choice);
    }
  }
}

function constrained(options: GenerateOptions): boolean {
  return options.responseFormat !== undefined || options.grammar !== undefined || options.tools !== undefined;
}

/** One choice's backend events with its index. */
async function* tagged(events: AsyncGenerator<GenerateEvent, GenerateResult>, index: number, choiceOfPrompt: number): AsyncGenerator<ChoiceEvent> {
  try {
    for (;;) {
      const next = await events.next();
      // The generator's return value is the whole result; the done event before it only summarises.
      if (next.done) {
        yield { index, choiceOfPrompt, type: 'done', ...next.value };
        return;
      }
      if (next.value.type === 'tool-call-delta') yield { ...next.value, callIndex: next.value.index, index, choiceOfPrompt };
      else if (next.value.type !== 'done') yield { index, choiceOfPrompt, ...next.value };
    }
  } finally {
    // Stopped early (the client left): end the backend's stream too, so it frees the model.
    await events.return(undefined as never);
  }
}

/** Events of several streams in the order they arrive; stopping early stops them all. */
async function* interleave(streams: AsyncGenerator<ChoiceEvent>[]): AsyncGenerator<ChoiceEvent> {
  const pending = new Map(streams.map((stream, i) => [i, stream.next().then((result) => ({ i, result }))]));
  try {
    while (pending.size > 0) {
      const { i, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(i);
        continue;
      }
      pending.set(
        i,
        streams[i]!.next().then((next) => ({ i, result: next })),
      );
      yield result.value;
    }
  } finally {
    await Promise.allSettled(streams.map((stream) => stream.return(undefined)));
  }
}

/** Usage of a whole request: each prompt counted once, every choice's completion counted. */
export function addUsage(total: GenerateResult['usage'], result: GenerateResult, choiceOfPrompt: number): void {
  if (choiceOfPrompt === 0) {
    total.promptTokens += result.usage.promptTokens;
    total.cachedPromptTokens += result.usage.cachedPromptTokens;
  }
  total.completionTokens += result.usage.completionTokens;
}
