// Applies a packed token bitmask (bit i of word i/32 set = token i allowed) to logits on the
// device. Only the packed words cross to the device (32 KiB for a 262k vocabulary); they are
// unpacked there (`fast.applyTokenBitmask`, one pass on the CPU), so the host never builds a
// vocabulary-sized array per step.
import * as mx from '@mlx-ts/core';

export class TokenMask implements Disposable {
  constructor(readonly vocabularySize: number) {}

  /** Logits [B, V] with every token whose bit is clear set to -inf (the same mask for each row). */
  apply(logits: mx.Array, bitmask: Int32Array): mx.Array {
    return mx.tidy(() => {
      const width = logits.shape[logits.shape.length - 1]!;
      const rows = logits.size / width;
      // One word per 32 tokens of the logits; tokens past the mask's end are refused.
      const needed = Math.ceil(width / 32);
      const packed = bitmask.length === needed ? bitmask : Int32Array.from({ length: needed }, (_, i) => bitmask[i] ?? 0);
      const words = mx.broadcastTo(mx.array(packed, 'int32', [1, needed]), [rows, needed]);
      return mx.reshape(mx.fast.applyTokenBitmask(mx.reshape(logits, [rows, width]), words), logits.shape);
    });
  }

  dispose(): void {}

  [Symbol.dispose](): void {
    this.dispose();
  }
}
