// mx.compile: same values as eager evaluation and as the closed form, retracing on new shapes,
// shapeless mode, several outputs, and no leaks across many calls.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { expectValues } from './helpers/fixtures.js';

const xs = [0.5, -1.25, 2, 3.5];
const ys = [1.5, 0.25, -0.75, 2];
const closedForm = xs.map((x, i) => Math.sin(x) * ys[i] + Math.exp(-ys[i]) / 2);

function body(x: mx.Array, y: mx.Array): mx.Array {
  return mx.add(mx.multiply(mx.sin(x), y), mx.divide(mx.exp(mx.negative(y)), 2));
}

describe('compile', () => {
  it('matches eager evaluation and the closed form', () => {
    using f = mx.compile(body);
    mx.tidy(() => {
      const x = mx.array(xs);
      const y = mx.array(ys);
      const compiled = f(x, y).toList() as number[];
      const eager = body(x, y).toList() as number[];
      expectValues(compiled, closedForm, 1e-6, 1e-6);
      expectValues(compiled, eager, 1e-6, 1e-7);
      // A second call reuses the traced graph.
      expectValues(f(x, y).toList() as number[], closedForm, 1e-6, 1e-6);
    });
  });

  it('retraces for new shapes and dtypes', () => {
    using f = mx.compile((a: mx.Array) => mx.sum(mx.square(a), -1));
    mx.tidy(() => {
      expect(f(mx.array([1, 2, 3])).item()).toBe(14);
      expect(
        f(
          mx.array([
            [1, 2],
            [3, 4],
          ]),
        ).toList(),
      ).toEqual([5, 25]);
      const ints = f(mx.array(Int32Array.of(2, 3)));
      expect(ints.dtype).toBe('int32');
      expect(ints.item()).toBe(13);
    });
  });

  it('shapeless compilation serves new shapes without a trace per shape', () => {
    let traces = 0;
    const fn = (a: mx.Array) => {
      traces++;
      return mx.multiply(mx.add(a, 1), 2);
    };
    const sizes = [2, 3, 4, 5, 6];
    const run = (f: (a: mx.Array) => mx.Array) => mx.tidy(() => sizes.map((n) => f(mx.arange(n).astype('float32')).toList()));
    const expected = sizes.map((n) => Array.from({ length: n }, (_, i) => (i + 1) * 2));
    {
      using shapeless = mx.compile(fn, { shapeless: true });
      expect(run(shapeless)).toEqual(expected);
    }
    // MLX traces a shapeless function at most twice (the first call, then once to generalize it).
    expect(traces).toBeLessThanOrEqual(2);
    traces = 0;
    {
      using shaped = mx.compile(fn);
      expect(run(shaped)).toEqual(expected);
    }
    expect(traces).toBe(sizes.length);
  });

  it('several outputs, and an input returned unchanged', () => {
    using f = mx.compile((a: mx.Array, b: mx.Array) => [a, mx.add(a, b), mx.multiply(b, b)]);
    mx.tidy(() => {
      const a = mx.array([1, 2]);
      const [same, sum, square] = f(a, mx.array([3, 4])) as mx.Array[];
      expect(same.toList()).toEqual([1, 2]);
      expect(sum.toList()).toEqual([4, 6]);
      expect(square.toList()).toEqual([9, 16]);
      expect(a.toList()).toEqual([1, 2]);
    });
  });

  it('does not leak across many calls or many compiled functions', () => {
    using f = mx.compile(body);
    const x = mx.array(xs);
    const y = mx.array(ys);
    for (let i = 0; i < 50; i++) mx.tidy(() => mx.eval(f(x, y)));
    const live = mx.liveArrayCount();
    const memory = mx.memory.getActiveMemory();
    for (let i = 0; i < 2000; i++) mx.tidy(() => mx.eval(f(x, y)));
    for (let i = 0; i < 200; i++) {
      // The same constant every time: on CPU each distinct constant is baked into a new
      // JIT-compiled kernel (about a second of C++ compilation on first use).
      const g = mx.compile((a: mx.Array) => mx.add(a, 0.5));
      mx.tidy(() => mx.eval(g(x)));
      g.dispose();
    }
    expect(mx.liveArrayCount()).toBe(live);
    expect(mx.memory.getActiveMemory()).toBeLessThanOrEqual(memory + 64 * 1024);
    mx.dispose(x, y);
  });

  it('gives the same values with compilation disabled globally', () => {
    using f = mx.compile(body);
    mx.setCompileDisabled(true);
    try {
      mx.tidy(() => expectValues(f(mx.array(xs), mx.array(ys)).toList() as number[], closedForm, 1e-6, 1e-6));
    } finally {
      mx.setCompileDisabled(false);
    }
  });

  it('an error thrown while tracing reaches the caller, and compiling still works after it', () => {
    const before = mx.liveArrayCount();
    using bad = mx.compile((a: mx.Array) => {
      mx.ones([2]);
      if (a.ndim > 0) throw new RangeError('rejected while tracing');
      return a;
    });
    mx.tidy(() => expect(() => bad(mx.array([1]))).toThrow('rejected while tracing'));
    using good = mx.compile((a: mx.Array) => mx.add(a, 1));
    mx.tidy(() => expect(good(mx.array([1])).toList()).toEqual([2]));
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('a shape error inside the traced function is an MlxError', () => {
    using f = mx.compile((a: mx.Array, b: mx.Array) => mx.matmul(a, b));
    mx.tidy(() => expect(() => f(mx.ones([2, 3]), mx.ones([2, 3]))).toThrow(mx.MlxError));
  });

  it('a disposed compiled function refuses calls; compile() of a non-function is a TypeError', () => {
    const f = mx.compile((a: mx.Array) => mx.add(a, 1));
    f.dispose();
    f.dispose();
    expect(() => mx.tidy(() => f(mx.ones([1])))).toThrow(TypeError);
    expect(() => mx.compile(42 as unknown as () => mx.Array)).toThrow(TypeError);
  });
});
