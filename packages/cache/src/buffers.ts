// Ownership of cache buffers across mx.tidy scopes.
//
// A cache's buffers must outlive the caller's tidy scope, so they are taken out of it with
// mx.keep. An update replaces the buffer array and disposes the old wrapper at once: the update's
// graph then holds the only reference to the old data, which lets MLX write in place (donation)
// instead of copying the whole buffer.
import * as mx from '@mlx-ts/core';
import { CacheError } from './errors.js';
import type { CacheSnapshot, CacheStateValue } from './kv-cache.js';

/** Takes `next` out of every scope and disposes `previous` (unless it is the same array). */
export function replaceBuffer(previous: mx.Array | undefined, next: mx.Array): mx.Array {
  if (previous === next) return next;
  mx.keep(next);
  previous?.dispose();
  return next;
}

/** A new wrapper over the same data (no copy), owned by the current scope. */
export function shareArray(a: mx.Array): mx.Array {
  return mx.array(a);
}

/** An owned copy of the wrapper (no data copy), kept out of every scope. */
export function ownShared(a: mx.Array): mx.Array {
  return mx.keep(mx.array(a));
}

/** a[..., start:stop, :] along the sequence axis (axis 2) of a [B, H, L, D] array. */
export function sliceSequence(a: mx.Array, start: number, stop: number): mx.Array {
  const [b, h, , d] = a.shape;
  return mx.slice(a, [0, 0, start, 0], [b, h, stop, d]);
}

/** a with a[..., start:start+L, :] replaced by the update [B, H, L, D]. */
export function writeSequence(a: mx.Array, update: mx.Array, start: number): mx.Array {
  const [b, h, length, d] = update.shape;
  return mx.sliceUpdate(a, update, [0, 0, start, 0], [b, h, start + length, d]);
}

/** Checks that keys and values are [B, H, L, D] with the same B, H and L. */
export function checkKeysValues(cacheName: string, keys: mx.Array, values: mx.Array): void {
  if (!(keys instanceof mx.Array) || !(values instanceof mx.Array)) {
    throw new CacheError(`${cacheName}.updateAndFetch: keys and values must be mx.Array values shaped [batch, kvHeads, length, headDim]`);
  }
  const k = keys.shape;
  const v = values.shape;
  if (k.length !== 4 || v.length !== 4) {
    throw new CacheError(
      `${cacheName}.updateAndFetch: keys and values must be 4-D [batch, kvHeads, length, headDim]; got keys [${k}] and values [${v}] (reshape/transpose the projections first)`,
    );
  }
  if (k[0] !== v[0] || k[1] !== v[1] || k[2] !== v[2]) {
    throw new CacheError(`${cacheName}.updateAndFetch: keys [${k}] and values [${v}] must agree on batch, kvHeads and length`);
  }
  if (k[2] < 1) throw new CacheError(`${cacheName}.updateAndFetch: the update holds no positions (length 0)`);
}

/** Checks that an update fits a buffer made for earlier updates (same batch, heads, head dim and dtype). */
export function checkCompatible(cacheName: string, buffer: mx.Array, update: mx.Array, what: string, expectedDtype: mx.Dtype = buffer.dtype): void {
  const b = buffer.shape;
  const u = update.shape;
  if (b[0] !== u[0] || b[1] !== u[1]) {
    throw new CacheError(
      `${cacheName}.updateAndFetch: ${what} [${u}] do not match the cached [batch ${b[0]}, kvHeads ${b[1]}]; call reset() before reusing the cache for another shape`,
    );
  }
  if (update.dtype !== expectedDtype) {
    throw new CacheError(
      `${cacheName}.updateAndFetch: ${what} are ${update.dtype} but the cache holds ${expectedDtype}; cast with .astype('${expectedDtype}') or reset() the cache`,
    );
  }
}

export function checkTrimCount(cacheName: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new CacheError(`${cacheName}.trim: n must be a non-negative integer, got ${n}`);
}

export function checkQueryLength(cacheName: string, queryLength: number): void {
  if (!Number.isInteger(queryLength) || queryLength < 1) {
    throw new CacheError(`${cacheName}.makeMask: queryLength must be a positive integer, got ${queryLength}`);
  }
}

export function checkWindowSize(cacheName: string, windowSize: number | undefined): void {
  if (windowSize !== undefined && (!Number.isInteger(windowSize) || windowSize < 1)) {
    throw new CacheError(`${cacheName}.makeMask: windowSize must be a positive integer, got ${windowSize}`);
  }
}

export function assertNotDisposed(cacheName: string, disposed: boolean): void {
  if (disposed) throw new CacheError(`${cacheName} was disposed; create a new cache (or call reset() instead of dispose() to reuse one)`);
}

/** Reads a snapshot made for `className`, checking its layout. */
export function snapshotState(cacheName: string, className: string, snapshot: CacheSnapshot, length: number): readonly CacheStateValue[] {
  if (typeof snapshot !== 'object' || snapshot === null || snapshot.className !== className) {
    throw new CacheError(
      `${cacheName}.restore: expected a snapshot of a ${className}, got ${snapshot && typeof snapshot === 'object' ? `one of a ${String(snapshot.className)}` : String(snapshot)}`,
    );
  }
  if (!Array.isArray(snapshot.state) || snapshot.state.length !== length) {
    throw new CacheError(
      `${cacheName}.restore: a ${className} state has ${length} entries, got ${Array.isArray(snapshot.state) ? snapshot.state.length : 'none'}`,
    );
  }
  return snapshot.state;
}

export function stateInteger(cacheName: string, value: CacheStateValue, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CacheError(`${cacheName}.restore: ${what} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

export function stateArray(cacheName: string, value: CacheStateValue, what: string): mx.Array | null {
  if (value === null) return null;
  if (!(value instanceof mx.Array) || value.ndim !== 4) {
    throw new CacheError(`${cacheName}.restore: ${what} must be a 4-D mx.Array or null`);
  }
  return value;
}

/** Disposes the arrays a snapshot holds. */
export function disposeSnapshot(snapshot: CacheSnapshot): void {
  mx.dispose(snapshot.state);
}
