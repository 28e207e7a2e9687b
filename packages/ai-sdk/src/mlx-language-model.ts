// A LanguageModelV4 (the AI SDK's language-model specification) over any mlx-ts Backend, in
// process: doGenerate is one `chat` call, doStream one `stream` call.
import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamResult,
} from '@ai-sdk/provider';
import type { Backend } from '@mlx-ts/spec';
import { prepareCall } from './call-options.js';
import type { LazyBackend } from './lazy-backend.js';
import { toFinishReason, toProviderMetadata, toUsage } from './result-mapping.js';
import { toStreamParts } from './stream-parts.js';
import { toToolCallContent } from './tool-call-content.js';

export class MlxLanguageModel implements LanguageModelV4, AsyncDisposable {
  readonly specificationVersion = 'v4' as const;
  readonly provider = 'mlx';
  /** Files and images are not read by these models, so no URL is passed through. */
  readonly supportedUrls: Record<string, RegExp[]> = {};

  constructor(
    readonly modelId: string,
    private readonly source: { backend: Backend } | { lazy: LazyBackend },
  ) {}

  /** The Backend behind this model (loading it, the first time, when the model was made from a reference). */
  backend(): Promise<Backend> {
    return 'backend' in this.source ? Promise.resolve(this.source.backend) : this.source.lazy.get();
  }

  async doGenerate(call: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const { messages, options, warnings } = await prepareCall(call);
    const backend = await this.backend();
    const timestamp = new Date();
    const result = await backend.chat(messages, options, call.abortSignal);
    // The engine ends an aborted request with what it has; the AI SDK expects the call to reject.
    if (result.finishReason === 'abort') call.abortSignal?.throwIfAborted();
    const content: LanguageModelV4Content[] = [];
    if (result.text !== '') content.push({ type: 'text', text: result.text });
    for (const toolCall of result.toolCalls ?? []) content.push(toToolCallContent(toolCall));
    return {
      content,
      finishReason: toFinishReason(result.finishReason),
      usage: toUsage(result.usage),
      providerMetadata: toProviderMetadata(result.timings, result.logprobs),
      request: { body: { messages, ...options } },
      response: { modelId: this.modelId, timestamp },
      warnings,
    };
  }

  async doStream(call: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const { messages, options, warnings } = await prepareCall(call);
    const backend = await this.backend();
    const events = backend.stream({ messages, ...options }, call.abortSignal);
    return {
      stream: toStreamParts(events, { warnings, modelId: this.modelId, includeRawChunks: call.includeRawChunks, signal: call.abortSignal }),
      request: { body: { messages, ...options } },
    };
  }

  /** Frees the model when this object loaded it; a Backend passed in stays its owner's to dispose. */
  async dispose(): Promise<void> {
    if ('lazy' in this.source) await this.source.lazy.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
