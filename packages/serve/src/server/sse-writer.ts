// Server-sent events in the exact form OpenAI's clients parse: `data: <json>\n\n` per event,
// ending with `data: [DONE]\n\n`. Writes respect backpressure, and stop once the client is gone.
// While nothing else is written for `keepAliveMs` (a request waiting for room in the batch), a
// comment line `: keep-alive` goes out: SSE clients ignore it, but proxies and clients with an
// idle timeout see a live connection.
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { OpenAIError } from './openai-error.js';

/** What the stream sends while it has nothing else to say: an SSE comment, ignored by every SSE parser. */
export const keepAliveComment = ': keep-alive\n\n';

export class SseWriter {
  private timer?: NodeJS.Timeout;

  /** `keepAliveMs` 0: no keep-alive comments. */
  constructor(
    private readonly response: ServerResponse,
    private readonly keepAliveMs = 0,
  ) {
    response.once('close', () => this.stopKeepAlive());
  }

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
    this.armKeepAlive();
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
    this.stopKeepAlive();
    if (!this.closed) this.response.end();
  }

  /** A failure after the stream began: an error event, then the terminator, as OpenAI's clients expect. */
  async sendError(error: OpenAIError): Promise<void> {
    await this.send(error.toJSON());
  }

  async finish(): Promise<void> {
    await this.write('data: [DONE]\n\n');
    this.end();
  }

  /** (Re)starts the quiet-time clock: a comment goes out once nothing was written for keepAliveMs. */
  private armKeepAlive(): void {
    if (this.keepAliveMs <= 0 || this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (this.closed) return;
      // A client that does not read gets nothing more queued for it.
      if (!this.response.writableNeedDrain) this.response.write(keepAliveComment);
      this.armKeepAlive();
    }, this.keepAliveMs);
  }

  private stopKeepAlive(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async write(text: string): Promise<void> {
    if (this.closed) return;
    this.armKeepAlive();
    if (!this.response.write(text)) {
      await Promise.race([once(this.response, 'drain'), once(this.response, 'close')]);
    }
  }
}
