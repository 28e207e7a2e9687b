// Serializes work on the model: one job runs at a time, the rest wait in FIFO order behind a
// bound. A waiting job whose signal aborts leaves the queue at once.
import { BackendBusyError, BackendClosedError } from './errors.js';

interface Waiter {
  start: () => void;
  reject: (error: unknown) => void;
}

export class RequestQueue {
  private running = false;
  private readonly waiting: Waiter[] = [];
  private closed = false;

  constructor(private readonly maxWaiting: number) {}

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Resolves when it is the caller's turn (rejects with BackendBusyError when the queue is full); the caller must call release(). */
  acquire(signal?: AbortSignal): Promise<void> {
    if (this.closed) return Promise.reject(new BackendClosedError());
    signal?.throwIfAborted();
    if (!this.running) {
      this.running = true;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new BackendBusyError(this.waiting.length));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running = false;
  }

  /** Rejects everything waiting; running work finishes. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new BackendClosedError());
  }

  /** Resolves once nothing runs or waits. */
  async drained(): Promise<void> {
    while (this.running || this.waiting.length > 0) await new Promise((r) => setTimeout(r, 10));
  }
}
