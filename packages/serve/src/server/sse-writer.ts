// Server-sent events in the exact form OpenAI's clients parse: `data: <json>\n\n` per event,
// ending with `data: [DONE]\n\n`. Writes respect backpressure, and stop once the client is gone.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { OpenAIError } from './openai-error.js';

export class SseWriter {
  constructor(private readonly response: ServerResponse) {}

  get closed(): boolean {
    return this.response.destroyed || this.response.writableEnded;
  }

  open(headers: Record<string, unknown>): void {
    this.response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      // Keeps reverse proxies (nginx) from buffering the stream.
      'x-accel-buffering': 'no',
    });
    this.response.flushHeaders();
  }

  async send(data: unknown): Promise<void> {
    await this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** A named event (`event: <type>`), as the Responses API streams. */
  async sendEvent(type: string, data: unknown): Promise<void> {
    await this.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends the stream without OpenAI's `[DONE]` terminator (the Responses API has none). */
  end(): void {
    if (!this.closed) this.response.end();
  }

  /** A failure after the stream began: an error event, then the terminator, as OpenAI's clients expect. */
  async sendError(error: OpenAIError): Promise<void> {
    await this.send(error.toJSON());
  }

  async finish(): Promise<void> {
    await this.write('data: [DONE]\n\n');
    if (!this.closed) this.response.end();
  }

  private async write(text: string): Promise<void> {
    if (this.closed) return;
    if (!this.response.write(text)) {
      await Promise.race([once(this.response, 'drain'), once(this.response, 'close')]);
    }
  }
}
