// The MlxBackend of a model reference, loaded on first use and shared by every call after it.
// A failed load is not remembered, so a call after fixing the cause loads again.
import { MlxBackend, type MlxBackendOptions } from '@mlx-ts/backend';
import type { Backend } from '@mlx-ts/spec';

export class LazyBackend {
  private loading?: Promise<Backend>;

  constructor(
    readonly reference: string,
    private readonly options: MlxBackendOptions,
  ) {}

  get(): Promise<Backend> {
    this.loading ??= MlxBackend.load(this.reference, this.options).catch((error: unknown) => {
      this.loading = undefined;
      throw error;
    });
    return this.loading;
  }

  /** Frees the model if it was loaded (or waits for a load in progress, then frees it). */
  async dispose(): Promise<void> {
    const loading = this.loading;
    this.loading = undefined;
    if (loading === undefined) return;
    const backend = await loading.catch(() => undefined);
    await backend?.[Symbol.asyncDispose]();
  }
}
