// The tokens of one sequence, from the scheduler to its consumer: pushed as the batch steps are
// read, awaited one at a time by the consumer, ended with a reason or an error.

export interface GeneratedToken {
  id: number;
  logprob?: number;
  top?: { ids: number[]; logprobs: number[] };
}

/** Why the engine ended a sequence: 'length' (max tokens or context), 'stop' (end-of-sequence id), 'cancel' (the consumer asked). */
export type EndReason = 'length' | 'stop' | 'cancel';

type Item = { token: GeneratedToken } | { end: EndReason } | { error: unknown };

export class TokenChannel implements AsyncIterable<GeneratedToken> {
  private readonly items: Item[] = [];
  private waiter?: () => void;
  private ended = false;
  /** How the sequence ended, once it has. */
  reason: EndReason | undefined;

  push(token: GeneratedToken): void {
    if (this.ended) return;
    this.items.push({ token });
    this.wake();
  }

  end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.items.push({ end: reason });
    this.wake();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.items.push({ error });
    this.wake();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<GeneratedToken> {
    for (;;) {
      const item = this.items.shift();
      if (!item) {
        await new Promise<void>((resolve) => (this.waiter = resolve));
        continue;
      }
      if ('token' in item) yield item.token;
      else if ('end' in item) {
        this.reason = item.end;
        return;
      } else throw item.error;
    }
  }
}
