// Cached prompt prefixes for reuse across requests: a token trie whose nodes may hold the KV
// caches of every layer right after that prefix (one row), evicted least recently used first
// under a memory budget. Snapshots are taken at prompt ends only and never trimmed, so on
// sliding-window layers a reused state is always the exact window at its position.
import type { BatchKVCache } from '@mlx-ts/cache';

interface Node {
  children: Map<number, Node>;
  parent: Node | undefined;
  token: number;
  entry?: Entry;
}

interface Entry {
  node: Node;
  length: number;
  caches: BatchKVCache[];
  bytes: number;
}

export interface PrefixMatch {
  /** Prompt tokens the caches hold. */
  length: number;
  /** Fresh one-row caches holding that prefix (owned by the caller). */
  caches: BatchKVCache[];
}

export class PrefixTrie implements Disposable {
  private readonly root: Node = { children: new Map(), parent: undefined, token: -1 };
  /** Entries in least-recently-used-first order. */
  private readonly lru = new Set<Entry>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  /** Whether prefixes are kept at all (a budget of 0 keeps none). */
  get keeps(): boolean {
    return this.budgetBytes > 0;
  }

  /** Bytes held by cached prefixes. */
  get sizeBytes(): number {
    return this.bytes;
  }

  get entries(): number {
    return this.lru.size;
  }

  /** The length `lookup` would match, without touching the entry or copying its caches. */
  matchLength(prompt: readonly number[]): number {
    let node = this.root;
    let best = 0;
    for (let i = 0; i < prompt.length - 1; i++) {
      const child = node.children.get(prompt[i]);
      if (!child) break;
      node = child;
      if (node.entry) best = node.entry.length;
    }
    return best;
  }

  /** The longest cached prefix of `prompt` shorter than the prompt (its last token must be processed for its logits). */
  lookup(prompt: readonly number[]): PrefixMatch | undefined {
    let node = this.root;
    let best: Entry | undefined;
    for (let i = 0; i < prompt.length - 1; i++) {
      const child = node.children.get(prompt[i]);
      if (!child) break;
      node = child;
      if (node.entry) best = node.entry;
    }
    if (!best) return undefined;
    this.lru.delete(best);
    this.lru.add(best);
    const caches = best.caches.map((cache) => {
      const copy = cache.emptyLike();
      copy.extend(cache);
      return copy;
    });
    return { length: best.length, caches };
  }

  /** Keeps one-row `caches` holding `tokens` (takes ownership); evicts old entries past the budget. */
  insert(tokens: readonly number[], caches: BatchKVCache[]): void {
    const bytes = caches.reduce((sum, c) => sum + c.nbytes, 0);
    if (tokens.length === 0 || bytes > this.budgetBytes) {
      for (const cache of caches) cache.dispose();
      return;
    }
    let node = this.root;
    for (const token of tokens) {
      let child = node.children.get(token);
      if (!child) {
        child = { children: new Map(), parent: node, token };
        node.children.set(token, child);
      }
      node = child;
    }
    if (node.entry) this.remove(node.entry);
    const entry: Entry = { node, length: tokens.length, caches, bytes };
    node.entry = entry;
    this.lru.add(entry);
    this.bytes += bytes;
    while (this.bytes > this.budgetBytes) {
      const oldest = this.lru.values().next().value as Entry;
      this.remove(oldest);
    }
  }

  private remove(entry: Entry): void {
    this.lru.delete(entry);
    this.bytes -= entry.bytes;
    for (const cache of entry.caches) cache.dispose();
    let node: Node | undefined = entry.node;
    node.entry = undefined;
    // Prune the branch up to the nearest node still in use.
    while (node?.parent && !node.entry && node.children.size === 0) {
      node.parent.children.delete(node.token);
      node = node.parent;
    }
  }

  clear(): void {
    for (const entry of [...this.lru]) this.remove(entry);
  }

  dispose(): void {
    this.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
