// Evaluation (sync and async) and compile.
import { Array, wrap } from './array.js';
import { native } from './native.js';
import { collectArrays, tidy } from './scope.js';

function handlesOf(values: unknown[]): number[] {
  // Fast path for the common eval(a, b): arrays only, nothing nested to search.
  const handles: number[] = [];
  for (const value of values) {
    if (!(value instanceof Array)) return [...collectArrays(values)].map((a) => a.handle);
    handles.push(value.handle);
  }
  return handles;
}

/** Computes the given arrays (and nested lists/objects of arrays) now, blocking the thread. */
export function evaluate(...values: unknown[]): void {
  native().eval(handlesOf(values));
}

/**
 * Schedules the computation and resolves when it is done. The event loop stays free meanwhile:
 * only the wait runs on a worker thread; the graph is built and scheduled on this thread.
 */
export function asyncEval(...values: unknown[]): Promise<void> {
  return native().asyncEval(handlesOf(values));
}

export interface CompileOptions {
  /** Do not recompile when input shapes change (shape-dependent code must use -1 / flatten). */
  shapeless?: boolean;
}

export type CompiledFunction<F> = F & Disposable & { dispose(): void };

const compiledRegistry = new FinalizationRegistry<number>((id) => {
  try {
    native().releaseCompiled(id);
  } catch {
    // Process teardown.
  }
});

/**
 * Compiles fn (arrays in, an array or a list of arrays out) into a fused graph, traced on the
 * first call and again whenever input shapes or dtypes change (unless shapeless). fn must be
 * pure: no reading array values, no side effects; only its inputs and outputs matter.
 */
export function compile<F extends (...inputs: Array[]) => Array | Array[]>(fn: F, options: CompileOptions = {}): CompiledFunction<F> {
  if (typeof fn !== 'function') throw new TypeError('compile: expected a function');
  const n = native();
  let returnsList = false;
  const traced = (inputHandles: Uint32Array): number | Uint32Array => {
    // Inputs are tracer arrays owned by the addon; lend them to fn without tracking.
    const inputs = globalThis.Array.from(inputHandles, (h) => new Array(h));
    try {
      return tidy(() => {
        const result = fn(...inputs);
        returnsList = globalThis.Array.isArray(result);
        const outputs = returnsList ? (result as Array[]) : [result as Array];
        const handles = new Uint32Array(outputs.length);
        outputs.forEach((out, i) => {
          if (!(out instanceof Array)) throw new TypeError('compile: the function must return an mx.Array or a list of them');
          // An input returned as is needs a handle of its own: the addon releases both.
          handles[i] = inputs.includes(out) ? n.share(out.handle) : out.transferHandle();
        });
        return handles;
      });
    } finally {
      for (const input of inputs) input.transferHandle();
    }
  };
  const id = n.compile(traced, options.shapeless ?? false);
  let disposed = false;
  const compiled = ((...inputs: Array[]) => {
    if (disposed) throw new TypeError('this compiled function was disposed');
    const outputs = globalThis.Array.from(
      n.callCompiled(
        id,
        inputs.map((a) => a.handle),
      ),
      (h) => wrap(h),
    );
    return returnsList ? outputs : outputs[0];
  }) as CompiledFunction<F>;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    compiledRegistry.unregister(compiled);
    n.releaseCompiled(id);
  };
  compiled.dispose = dispose;
  compiled[Symbol.dispose] = dispose;
  compiledRegistry.register(compiled, id, compiled);
  return compiled;
}

/** Turns compilation off (true) or on (false) globally, e.g. to debug a compiled function. */
export function setCompileDisabled(disabled: boolean): void {
  native().setCompileDisabled(disabled);
}
