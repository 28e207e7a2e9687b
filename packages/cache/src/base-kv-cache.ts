// The lifecycle every built-in cache shares (mlx-lm's _BaseCache): use after dispose is a clear
// error, reset() frees the buffers and rewinds to empty, dispose() frees them for good.
import { assertNotDisposed } from './buffers.js';

export abstract class BaseKVCache implements Disposable {
  #disposed = false;

  /** The name errors use. */
  protected abstract readonly cacheName: string;
  /** Frees the buffers (the cache then holds nothing). */
  protected abstract releaseBuffers(): void;
  /** Rewinds positions to an empty cache. */
  protected abstract clearPositions(): void;

  /** Throws when the cache was disposed. */
  protected assertUsable(): void {
    assertNotDisposed(this.cacheName, this.#disposed);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Empties the cache and frees its buffers; it can be used again. */
  reset(): void {
    this.releaseBuffers();
    this.clearPositions();
  }

  /** Frees the buffers; the cache cannot be used afterwards. Idempotent. */
  dispose(): void {
    this.releaseBuffers();
    this.#disposed = true;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
