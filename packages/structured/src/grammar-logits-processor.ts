// A per-request logits processor that lets through only the tokens the grammar allows next.
// It has the shape of @mlx-ts/sample's LogitsProcessor (process / didSample / dispose), so an
// engine runs it beside the penalties, one per constrained row.
//
// Timing: the mask for step n+1 depends on token n. `process` is called while the engine builds
// step n+1, with token n possibly still on the device; it first schedules the new logits (the
// model's forward pass) on the device, then reads token n, advances the grammar and computes
// the mask on the host while the device runs that forward pass, and applies the mask last.
import * as mx from '@mlx-ts/core';
import { StructuredOutputError } from './errors.js';
import type { NativeGrammarMatcher } from './native-engine.js';
import type { TokenMask } from './token-mask.js';

export class GrammarLogitsProcessor implements Disposable {
  private pending: mx.Array | undefined;
  private readonly bitmask: Int32Array;
  private disposed = false;
  /** Host time spent advancing the grammar and computing masks, in milliseconds. */
  maskMilliseconds = 0;
  /** Steps that were masked (the others allowed every token and skipped the device work). */
  maskedSteps = 0;

  constructor(
    private readonly matcher: NativeGrammarMatcher,
    private readonly mask: TokenMask,
  ) {
    this.bitmask = new Int32Array(Math.ceil(mask.vocabularySize / 32));
  }

  /** True once the grammar accepted a stop token. */
  get terminated(): boolean {
    return this.matcher.isTerminated();
  }

  /** Whether the grammar lets any token through next (a grammar whose language is empty lets none). */
  admitsAnyToken(): boolean {
    if (this.matcher.isTerminated()) return true;
    this.matcher.fillNextTokenBitmask(this.bitmask);
    return this.bitmask.some((word) => word !== 0);
  }

  /** Advances the grammar by a token the engine knows on the host. False if the grammar refuses it. */
  acceptToken(tokenId: number): boolean {
    return !this.matcher.isTerminated() && this.matcher.acceptToken(tokenId);
  }

  /** Records the token just sampled ([1]); it is read when the next mask is needed. */
  didSample(token: mx.Array): void {
    this.pending?.dispose();
    // Our own reference to the same buffer, alive whatever the engine does with its array.
    this.pending = mx.keep(mx.array(token));
  }

  process(logits: mx.Array): mx.Array {
    if (this.disposed) throw new Error('GrammarLogitsProcessor used after dispose');
    try {
      return this.advanceAndMask(logits);
    } catch (error) {
      if (StructuredOutputError.isInstance(error)) throw error;
      // The engine threw (a C++ exception the addon turned into an Error): the row's constraint failed, not the process.
      throw new StructuredOutputError(`The grammar engine failed: ${(error as Error).message}`, 'invalid', undefined, { cause: error });
    }
  }

  private advanceAndMask(logits: mx.Array): mx.Array {
    if (this.pending !== undefined) {
      // The caller starts evaluating `logits` first (the engine does, once for every row), so the
      // host works on the mask while the forward pass runs.
      const token = Number(this.pending.item());
      this.pending.dispose();
      this.pending = undefined;
      const start = performance.now();
      // After a stop token the row is ending; the engine may still build one step past it.
      if (this.matcher.isTerminated()) return logits;
      if (!this.matcher.acceptToken(token)) {
        throw new StructuredOutputError(`The grammar refused token ${token}, which its own mask should have excluded.`, 'invalid');
      }
      this.maskMilliseconds += performance.now() - start;
    }
    // xgrammar throws when asked for a mask after the end.
    if (this.matcher.isTerminated()) return logits;
    const start = performance.now();
    this.matcher.fillNextTokenBitmask(this.bitmask);
    let everyToken = true;
    for (let i = 0; i < this.bitmask.length; i++) {
      if (this.bitmask[i] !== -1) {
        everyToken = false;
        break;
      }
    }
    this.maskMilliseconds += performance.now() - start;
    if (everyToken) return logits;
    // A grammar with no way on (a rule that only refers to itself, reached mid-output) would
    // hand the sampler an all-refused mask, and the token it picks would then be refused.
    if (!this.bitmask.some((word) => word !== 0)) {
      throw new StructuredOutputError(
        'The constraint admits no next token after the output so far (a grammar rule that only refers to itself does this, for one); give it a schema or grammar that some output matches.',
        'invalid',
      );
    }
    this.maskedSteps++;
    return this.mask.apply(logits, this.bitmask);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pending?.dispose();
    this.pending = undefined;
    this.matcher.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
