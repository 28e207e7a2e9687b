// Reuses the KV state of the previous request when the next prompt starts with the same tokens
// (a follow-up chat turn), on sliding-window layers too.
//
// Rotating (sliding-window) caches cannot be rewound once they have wrapped, so besides the live
// state this keeps a snapshot taken at the end of the previous prompt. A new prompt reuses, in
// order of preference: the live state when it extends every cached token (or when all caches
// can trim back to the common prefix), else the end-of-prompt snapshot when the new prompt
// extends that, else nothing (a full prefill). A truncated window is never reused.
import * as mx from '@mlx-ts/core';
import type { CacheSnapshot, KVCache } from '@mlx-ts/cache';

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export interface PrefixLease {
  /** Prompt tokens already in the caches. */
  cachedTokens: number;
  /** The prompt tokens still to process (at least one). */
  suffix: number[];
}

export class PrefixCache implements Disposable {
  /** Token ids whose keys and values are in the caches, in order. */
  private tokens: number[] = [];
  private promptSnapshot: { length: number; snapshots: CacheSnapshot[] } | undefined;

  constructor(readonly caches: readonly KVCache[]) {}

  /** Prepares the caches for `prompt` and says how much of it they already hold. */
  acquire(prompt: readonly number[]): PrefixLease {
    const limit = prompt.length - 1; // the last prompt token is always processed: its logits are needed
    const common = Math.min(commonPrefixLength(this.tokens, prompt), limit);
    let reused = 0;
    if (common > 0 && common === this.tokens.length) {
      reused = common;
    } else if (common > 0 && this.caches.every((c) => c.canTrim())) {
      const drop = this.tokens.length - common;
      for (const cache of this.caches) cache.trim(drop);
      reused = common;
    } else if (this.promptSnapshot && this.promptSnapshot.length <= common) {
      this.caches.forEach((cache, i) => cache.restore(this.promptSnapshot!.snapshots[i]));
      reused = this.promptSnapshot.length;
    } else {
      for (const cache of this.caches) cache.reset();
      this.dropSnapshot();
    }
    this.tokens = prompt.slice(0, reused) as number[];
    return { cachedTokens: reused, suffix: prompt.slice(reused) as number[] };
  }

  /** Records ids the model processed through the caches. */
  fed(ids: readonly number[]): void {
    for (const id of ids) this.tokens.push(id);
  }

  /** Remembers the caches' state now, at the end of a prompt. */
  markPromptEnd(): void {
    this.dropSnapshot();
    const snapshots = this.caches.map((c) => c.snapshot());
    mx.keep(snapshots.map((s) => s.state));
    this.promptSnapshot = { length: this.tokens.length, snapshots };
  }

  /** Forgets everything (e.g. after a failed request left the caches in an unknown state). */
  clear(): void {
    for (const cache of this.caches) cache.reset();
    this.tokens = [];
    this.dropSnapshot();
  }

  private dropSnapshot(): void {
    if (this.promptSnapshot) mx.dispose(this.promptSnapshot.snapshots.map((s) => s.state));
    this.promptSnapshot = undefined;
  }

  dispose(): void {
    this.dropSnapshot();
    for (const cache of this.caches) cache.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
