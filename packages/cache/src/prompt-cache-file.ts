// Prompt-cache files: a list of per-layer caches in one safetensors file, in mlx-lm's layout
// (mlx_lm.models.cache.save_prompt_cache / load_prompt_cache), so files move between the two:
// - tensors: the tree-flattened `cache.state` of every layer ("0.0" = layer 0's keys, ...), with
//   scalars stored as 0-d arrays, strings as char-code arrays and None as an empty array;
// - metadata: the tree-flattened list [user metadata, class names, scalar markers], i.e.
//   "0.<key>" = user value, "1.<layer>" = class name, "2.0" = "" then "2.<n>.0" = tensor name and
//   "2.<n>.1" = "scalar" | "string" | "none".
import * as mx from '@mlx-ts/core';
import { cacheFromSnapshot } from './cache-registry.js';
import { CacheError } from './errors.js';
import type { CacheStateValue, KVCache } from './kv-cache.js';

export interface SavePromptCacheOptions {
  /** Free-form string metadata stored with the caches (e.g. the model id and the prompt's token count). */
  metadata?: Record<string, string>;
}

export interface LoadedPromptCache {
  caches: KVCache[];
  metadata: Record<string, string>;
}

type Leaf = mx.Array | number | string | null;
type ScalarKind = 'scalar' | 'string' | 'none';

function flatten(prefix: string, value: CacheStateValue, out: [string, Leaf][]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => flatten(`${prefix}.${i}`, v, out));
  } else {
    out.push([prefix, value as Leaf]);
  }
}

function leafToArray(name: string, leaf: Leaf, scalars: [string, ScalarKind][]): mx.Array {
  if (leaf instanceof mx.Array) return leaf;
  if (typeof leaf === 'number') {
    scalars.push([name, 'scalar']);
    return mx.scalar(leaf, Number.isInteger(leaf) ? 'int32' : 'float32');
  }
  if (typeof leaf === 'string') {
    scalars.push([name, 'string']);
    return mx.array(Int32Array.from(leaf, (c) => c.codePointAt(0)!));
  }
  if (leaf === null) {
    scalars.push([name, 'none']);
    return mx.zeros([0], 'float32');
  }
  throw new CacheError(`savePromptCache: state entry ${name} is not serializable (${typeof leaf}); cache states hold mx.Arrays, numbers, strings or null`);
}

/** Saves the caches (one per layer) and optional string metadata to a `.safetensors` file. */
export function savePromptCache(path: string, caches: readonly KVCache[], options: SavePromptCacheOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new CacheError('savePromptCache: path must be a file path ending in .safetensors');
  if (!Array.isArray(caches)) throw new CacheError('savePromptCache: caches must be an array of KV caches (one per layer)');
  const metadata = options.metadata ?? {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new CacheError(`savePromptCache: metadata.${key} must be a string (JSON.stringify other values)`);
  }
  mx.tidy(() => {
    const tensors: Record<string, mx.Array> = {};
    const scalars: [string, ScalarKind][] = [];
    const fileMetadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(metadata)) fileMetadata[`0.${key}`] = value;
    caches.forEach((cache, layer) => {
      const snapshot = cache.snapshot();
      fileMetadata[`1.${layer}`] = snapshot.className;
      const leaves: [string, Leaf][] = [];
      flatten(String(layer), snapshot.state, leaves);
      for (const [name, leaf] of leaves) tensors[name] = leafToArray(name, leaf, scalars);
    });
    // mlx-lm starts the list with "" so that it is never empty (an empty list vanishes when flattened).
    fileMetadata['2.0'] = '';
    scalars.forEach(([name, kind], i) => {
      fileMetadata[`2.${i + 1}.0`] = name;
      fileMetadata[`2.${i + 1}.1`] = kind;
    });
    mx.io.saveSafetensors(path, tensors, fileMetadata);
  });
}

interface ParsedMetadata {
  user: Record<string, string>;
  classes: string[];
  scalars: Map<string, ScalarKind>;
}

function parseMetadata(path: string, fileMetadata: Record<string, string>): ParsedMetadata {
  const user: Record<string, string> = {};
  const classes: string[] = [];
  const markers = new Map<number, { name?: string; kind?: string }>();
  for (const [key, value] of Object.entries(fileMetadata)) {
    const match = /^(\d+)\.(.+)$/.exec(key);
    if (!match) continue;
    const [, head, rest] = match;
    if (head === '0') user[rest] = value;
    else if (head === '1' && /^\d+$/.test(rest)) classes[Number(rest)] = value;
    else if (head === '2') {
      const entry = /^(\d+)\.([01])$/.exec(rest);
      if (!entry) continue;
      const marker = markers.get(Number(entry[1])) ?? {};
      if (entry[2] === '0') marker.name = value;
      else marker.kind = value;
      markers.set(Number(entry[1]), marker);
    }
  }
  if (classes.length === 0 || classes.some((c) => typeof c !== 'string')) {
    throw new CacheError(
      `loadPromptCache: ${path} has no cache class names ("1.<layer>" metadata); it was not written by savePromptCache or mlx_lm.save_prompt_cache`,
    );
  }
  const scalars = new Map<string, ScalarKind>();
  for (const { name, kind } of markers.values()) {
    if (name === undefined || (kind !== 'scalar' && kind !== 'string' && kind !== 'none')) {
      throw new CacheError(`loadPromptCache: ${path} has a malformed scalar marker (${name ?? '?'}: ${kind ?? '?'})`);
    }
    scalars.set(name, kind);
  }
  return { user, classes, scalars };
}

function leafFromArray(array: mx.Array, kind: ScalarKind | undefined): Leaf {
  if (kind === undefined) return array;
  if (kind === 'none') return null;
  if (kind === 'scalar') return Number(array.item());
  return String.fromCodePoint(...(array.toList() as number[]));
}

type Tree = Leaf | Tree[];

function insert(root: Tree[], indices: number[], leaf: Leaf): void {
  let node = root;
  for (let i = 0; i < indices.length - 1; i++) {
    const next = node[indices[i]];
    if (next === undefined) node[indices[i]] = [];
    node = node[indices[i]] as Tree[];
  }
  node[indices[indices.length - 1]] = leaf;
}

function checkDense(path: string, tree: Tree, name: string): void {
  if (!Array.isArray(tree)) return;
  for (let i = 0; i < tree.length; i++) {
    if (!(i in tree)) throw new CacheError(`loadPromptCache: ${path} misses state entry ${name}.${i}`);
    checkDense(path, tree[i], `${name}.${i}`);
  }
}

/** Loads a prompt-cache file written by `savePromptCache` or mlx-lm's `save_prompt_cache`. */
export function loadPromptCache(path: string): LoadedPromptCache {
  if (typeof path !== 'string' || path === '') throw new CacheError('loadPromptCache: path must be a file path');
  let content: mx.io.SafetensorsContent;
  try {
    content = mx.io.loadSafetensors(path);
  } catch (error) {
    throw new CacheError(`loadPromptCache: cannot read ${path} as safetensors (${(error as Error).message}); check the path`, { cause: error });
  }
  const caches: KVCache[] = [];
  try {
    const { user, classes, scalars } = parseMetadata(path, content.metadata);
    const roots: Tree[] = [];
    for (const [name, array] of Object.entries(content.arrays)) {
      if (!/^\d+(\.\d+)*$/.test(name)) throw new CacheError(`loadPromptCache: ${path} holds tensor ${JSON.stringify(name)}, which is not a cache state entry`);
      const indices = name.split('.').map(Number);
      if (indices[0] >= classes.length)
        throw new CacheError(`loadPromptCache: ${path} holds state for layer ${indices[0]} but names only ${classes.length} cache classes`);
      insert(roots, indices, leafFromArray(array, scalars.get(name)));
    }
    classes.forEach((className, layer) => {
      const state = roots[layer] ?? [];
      if (!Array.isArray(state)) throw new CacheError(`loadPromptCache: ${path} stores layer ${layer}'s state as a single tensor; expected a list`);
      checkDense(path, state, String(layer));
      caches.push(cacheFromSnapshot({ className, state: state as CacheStateValue[] }));
    });
    return { caches, metadata: user };
  } catch (error) {
    for (const cache of caches) cache.dispose();
    throw error;
  } finally {
    mx.dispose(content.arrays);
  }
}
