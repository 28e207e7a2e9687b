// One row of the batch: a generated sequence with its own sampling settings, logits processors,
// limits and token channel.
import type { LogitsProcessor, RowSampler } from '@mlx-ts/sample';
import { type GeneratedToken, TokenChannel } from './token-channel.js';

export interface SequenceSettings {
  sampler: RowSampler;
  processors: readonly LogitsProcessor[];
  maxTokens: number;
  /** Ids that end the sequence (not delivered); empty to ignore end-of-sequence. */
  eos: ReadonlySet<number>;
  logprobs: boolean;
  topLogprobs: number;
}

export class Sequence {
  readonly channel = new TokenChannel();
  generated = 0;
  /** Set by the consumer; the row leaves the batch at the next step. */
  cancelled = false;

  constructor(
    readonly settings: SequenceSettings,
    readonly promptLength: number,
  ) {}

  /** Tokens this row holds in the KV caches (roughly: the prompt plus what it generated). */
  get kvTokens(): number {
    return this.promptLength + this.generated;
  }

  /** True once the row needs no more steps. */
  get finished(): boolean {
    return this.channel.isEnded;
  }

  /** Whether the row takes part in the next step (ends a cancelled row). */
  live(): boolean {
    if (this.cancelled) this.end('cancel');
    return !this.finished;
  }

  /** Hands over a sampled token; ends the row on end-of-sequence or at max tokens. */
  deliver(token: GeneratedToken): void {
    if (this.finished) return;
    if (this.cancelled) {
      this.end('cancel');
      return;
    }
    this.generated++;
    if (this.settings.eos.has(token.id)) {
      this.end('stop');
      return;
    }
    this.channel.push(token);
    if (this.generated >= this.settings.maxTokens) this.end('length');
  }

  end(reason: 'length' | 'stop' | 'cancel'): void {
    if (this.finished) return;
    this.channel.end(reason);
    this.release();
  }

  fail(error: unknown): void {
    if (this.finished) return;
    this.channel.fail(error);
    this.release();
  }

  private release(): void {
    for (const processor of this.settings.processors) processor.dispose?.();
    this.settings.sampler.dispose();
  }
}
