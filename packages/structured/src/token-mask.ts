// Applies a packed token bitmask (bit i of word i/32 set = token i allowed) to logits on the
// device. Only the packed words cross to the device (32 KiB for a 262k vocabulary); they are
// unpacked there, so the host never builds a vocabulary-sized array per step.
import * as mx from '@mlx-ts/core';

export class TokenMask implements Disposable {
  private readonly bitPositions: mx.Array;

  constructor(readonly vocabularySize: number) {
    this.bitPositions = mx.keep(mx.arange(0, 32, 1, 'int32'));
  }

  /** Logits [B, V] with every token whose bit is clear set to -inf (the same mask for each row). */
  apply(logits: mx.Array, bitmask: Int32Array): mx.Array {
    return mx.tidy(() => {
      const width = logits.shape[logits.shape.length - 1]!;
      const words = mx.array(bitmask, 'int32', [bitmask.length, 1]);
      const bits = mx.bitwiseAnd(mx.rightShift(words, this.bitPositions), 1);
      const allowed = mx.slice(mx.reshape(bits, [-1]), [0], [width]);
      return mx.where(mx.notEqual(allowed, 0), logits, Number.NEGATIVE_INFINITY);
    });
  }

  dispose(): void {
    this.bitPositions.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
