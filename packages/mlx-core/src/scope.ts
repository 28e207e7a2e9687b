// Memory scopes: tidy(), keep(), dispose(), and the GC safety net.
//
// V8 cannot see MLX's memory, so arrays are freed explicitly. `tidy(fn)` records every array
// created while fn runs (sync, or async through AsyncLocalStorage) and disposes all of them
// except those fn returns, which move to the enclosing scope. Arrays that end up in no scope
// get a FinalizationRegistry entry, registered in batches on a microtask: registering costs
// more than the op itself, and most arrays are disposed before the microtask runs.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Array } from './array.js';
import { native } from './native.js';

// `closed` is set when the scope ends; callbacks that outlive it (a timer started inside an async
// tidy) then create top-level arrays instead of joining a scope nobody will dispose. The arrays
// live in a plain list (a list with extra properties makes V8's push a slow builtin call).
class Scope {
  readonly arrays: Array[] = [];
  closed = false;
}

const syncScopes: Scope[] = [];
const asyncScopes = new AsyncLocalStorage<Scope>();
let activeAsyncTidies = 0;

const registry = new FinalizationRegistry<number>((handle) => {
  try {
    native().release(handle);
  } catch {
    // The addon is gone (process teardown): nothing left to free.
  }
});

let pending: Array[] = [];
let flushScheduled = false;
const MAX_PENDING = 4096;

function currentScope(): Scope | undefined {
  // Guarded: reading index -1 of an empty array is a slow generic property lookup in V8.
  if (syncScopes.length > 0) return syncScopes[syncScopes.length - 1];
  if (activeAsyncTidies > 0) return asyncScopes.getStore();
  return undefined;
}

function registerFinalizers(): void {
  flushScheduled = false;
  const list = pending;
  pending = [];
  for (const a of list) {
    if (!a.disposed && !a.finalizerRegistered) {
      registry.register(a, a.handle, a);
      a.finalizerRegistered = true;
    }
  }
}

function toTopLevel(a: Array): void {
  pending.push(a);
  if (pending.length >= MAX_PENDING) registerFinalizers();
  else if (!flushScheduled) {
    flushScheduled = true;
    queueMicrotask(registerFinalizers);
  }
}

/** @internal records a new array in the current scope, or queues its safety-net finalizer. */
export function adopt(a: Array): void {
  const scope = currentScope();
  if (scope !== undefined && !scope.closed) scope.arrays.push(a);
  else toTopLevel(a);
}

/** @internal called by Array.dispose: drops the array's finalizer, or its place in the queue for one. */
export function forgetFinalizer(a: Array): void {
  if (a.finalizerRegistered) {
    registry.unregister(a);
    a.finalizerRegistered = false;
  } else if (pending.length > 0 && pending[pending.length - 1] === a) {
    // Created and disposed at top level with nothing in between (the common `using` / dispose
    // pattern): leave the queue as it was, so it neither grows nor keeps the object alive.
    pending.pop();
  }
}

function isArrayLike(value: unknown): value is Array {
  return typeof value === 'object' && value !== null && 'transferHandle' in value && 'handle' in value;
}

/** Every mx.Array found in a value: the array itself, or inside plain arrays and objects. */
export function collectArrays(value: unknown, out: Set<Array> = new Set(), depth = 0): Set<Array> {
  if (depth > 64 || value === null || typeof value !== 'object') return out;
  if (isArrayLike(value)) {
    out.add(value);
  } else if (globalThis.Array.isArray(value)) {
    for (const v of value) collectArrays(v, out, depth + 1);
  } else if (value instanceof Map) {
    for (const v of value.values()) collectArrays(v, out, depth + 1);
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      for (const v of Object.values(value)) collectArrays(v, out, depth + 1);
    }
  }
  return out;
}

/** Frees the arrays in one call to the addon (a scope ends with many arrays to free). */
function releaseAll(arrays: readonly Array[], keep?: Set<Array>, parent?: Scope): void {
  const handles = new Uint32Array(arrays.length);
  let count = 0;
  for (let i = 0; i < arrays.length; i++) {
    const a = arrays[i];
    if (a.disposed) continue;
    if (keep?.has(a)) {
      if (parent !== undefined && !parent.closed) parent.arrays.push(a);
      else toTopLevel(a);
    } else if (!a.escaped) {
      handles[count++] = a.transferHandle();
    }
  }
  if (count > 0) native().releaseMany(count === handles.length ? handles : handles.subarray(0, count));
}

function close(scope: Scope, result: unknown, parent: Scope | undefined): void {
  scope.closed = true;
  // Most scopes return nothing or a single value: skip the search when there is nothing to find.
  const kept = typeof result === 'object' && result !== null ? collectArrays(result) : undefined;
  releaseAll(scope.arrays, kept !== undefined && kept.size > 0 ? kept : undefined, parent);
}

function disposeScope(scope: Scope): void {
  scope.closed = true;
  releaseAll(scope.arrays);
}

/**
 * Runs fn and disposes every array it created, except the arrays in its return value (found in
 * nested plain arrays and objects too), which move to the enclosing scope. Works with async
 * callbacks: arrays created after an await are tracked per async context, so concurrent work
 * does not mix.
 */
export function tidy<T>(fn: () => T): T {
  const parent = currentScope();
  const scope = new Scope();
  syncScopes.push(scope);
  let result: T;
  try {
    result = asyncScopes.run(scope, fn);
  } catch (error) {
    disposeScope(scope);
    throw error;
  } finally {
    syncScopes.pop();
  }
  if (result instanceof Promise) {
    activeAsyncTidies++;
    return result.then(
      (value) => {
        activeAsyncTidies--;
        close(scope, value, parent);
        return value;
      },
      (error) => {
        activeAsyncTidies--;
        disposeScope(scope);
        throw error;
      },
    ) as T;
  }
  close(scope, result, parent);
  return result;
}

/** Takes arrays out of the tidy scope that created them; they then live until disposed. Returns its argument. */
export function keep<T>(value: T): T {
  for (const a of collectArrays(value)) {
    if (a.escaped || a.disposed) continue;
    a.escaped = true;
    toTopLevel(a);
  }
  return value;
}

/** Disposes every mx.Array in the arguments (arrays, nested lists and plain objects of arrays). */
export function dispose(...values: unknown[]): void {
  for (const a of collectArrays(values)) a.dispose();
}

/** Number of arrays alive in the addon's table (for leak checks). */
export function liveArrayCount(): number {
  return native().liveCount();
}
