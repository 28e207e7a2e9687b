// A private random key sequence: the seeded counterpart of MLX's global one.
import * as mx from '@mlx-ts/core';

/**
 * Hands out a fresh key per draw by splitting its own key, exactly as MLX's global sequence does
 * after `mx.random.seed(seed)` (split → keep the first half, draw with the second). Other random
 * work in the process never advances it, so the same seed gives the same draws.
 */
export class KeySequence implements Disposable {
  readonly #seed: number;
  #key: mx.Array | undefined;

  constructor(seed: number) {
    this.#seed = seed;
  }

  /** The next key (uint32 [2]), owned by the caller's scope. */
  next(): mx.Array {
    const current = (this.#key ??= mx.keep(mx.random.key(this.#seed)));
    const [carry, draw] = mx.tidy(() => {
      const [first, second] = mx.split(mx.random.split(current, 2), 2, 0);
      return [mx.reshape(first, [2]), mx.reshape(second, [2])];
    });
    this.#key = mx.keep(carry);
    current.dispose();
    return draw;
  }

  dispose(): void {
    this.#key?.dispose();
    this.#key = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
