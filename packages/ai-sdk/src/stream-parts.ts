// The Backend's stream events as the AI SDK's stream parts: text blocks (text-start / -delta /
// -end), tool inputs as they are written (tool-input-start / -delta / -end) and the complete
// tool calls, then `finish`. Cancelling the stream stops the generation.
import type { LanguageModelV4StreamPart, SharedV4Warning } from '@ai-sdk/provider';
import type { GenerateEvent, GenerateResult, TokenLogprob } from '@mlx-ts/spec';
import { toFinishReason, toProviderMetadata, toUsage } from './result-mapping.js';
import { toToolCallContent } from './tool-call-content.js';

export interface StreamPartsOptions {
  warnings: SharedV4Warning[];
  modelId: string;
  /** Also emit every Backend event as a `raw` part. */
  includeRawChunks?: boolean;
  signal?: AbortSignal;
}

export function toStreamParts(events: AsyncGenerator<GenerateEvent, GenerateResult>, options: StreamPartsOptions): ReadableStream<LanguageModelV4StreamPart> {
  let textId: string | undefined;
  let textBlocks = 0;
  /** Tool-call index → the call's id, for the calls whose input is being written. */
  const openInputs = new Map<number, string>();
  const logprobs: TokenLogprob[] = [];

  const closeText = (controller: ReadableStreamDefaultController<LanguageModelV4StreamPart>) => {
    if (textId === undefined) return;
    controller.enqueue({ type: 'text-end', id: textId });
    textId = undefined;
  };

  return new ReadableStream<LanguageModelV4StreamPart>({
    start(controller) {
      controller.enqueue({ type: 'stream-start', warnings: options.warnings });
      controller.enqueue({ type: 'response-metadata', modelId: options.modelId, timestamp: new Date() });
    },
    async pull(controller) {
      let next: IteratorResult<GenerateEvent, GenerateResult>;
      try {
        next = await events.next();
      } catch (error) {
        controller.error(options.signal?.aborted ? options.signal.reason : error);
        return;
      }
      if (next.done) {
        controller.close();
        return;
      }
      const event = next.value;
      if (options.includeRawChunks) controller.enqueue({ type: 'raw', rawValue: event });
      switch (event.type) {
        case 'text':
          if (event.logprobs) logprobs.push(...event.logprobs);
          if (event.text === '') break;
          if (textId === undefined) {
            textId = `text-${textBlocks++}`;
            controller.enqueue({ type: 'text-start', id: textId });
          }
          controller.enqueue({ type: 'text-delta', id: textId, delta: event.text });
          break;
        case 'tool-call-delta': {
          closeText(controller);
          let id = openInputs.get(event.index);
          if (id === undefined) {
            id = event.id ?? `call-${event.index}`;
            openInputs.set(event.index, id);
            controller.enqueue({ type: 'tool-input-start', id, toolName: event.name ?? '' });
          }
          if (event.argumentsDelta !== '') controller.enqueue({ type: 'tool-input-delta', id, delta: event.argumentsDelta });
          break;
        }
        case 'done':
          closeText(controller);
          if (event.finishReason === 'abort' && options.signal?.aborted) {
            controller.error(options.signal.reason);
            return;
          }
          for (const call of event.toolCalls ?? []) {
            const streamed = [...openInputs].find(([, id]) => id === call.id);
            if (streamed) {
              controller.enqueue({ type: 'tool-input-end', id: call.id });
              openInputs.delete(streamed[0]);
            }
            controller.enqueue(toToolCallContent(call));
          }
          // Inputs cut off before they became calls (the token limit) still close their blocks.
          for (const id of openInputs.values()) controller.enqueue({ type: 'tool-input-end', id });
          openInputs.clear();
          controller.enqueue({
            type: 'finish',
            finishReason: toFinishReason(event.finishReason),
            usage: toUsage(event.usage),
            providerMetadata: toProviderMetadata(event.timings, logprobs.length > 0 ? logprobs : undefined),
          });
          break;
      }
    },
    async cancel() {
      await events.return(undefined as never);
    },
  });
}
