// asyncEval keeps the event loop free: timers fire while the device computes.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

describe('asyncEval', () => {
  it('returns before the work is done and lets the event loop turn while a matmul chain computes', async () => {
    // 12 products of 1024² are milliseconds of work on a CPU but microseconds on a datacenter GPU
    // (an H200 did them within one loop turn), so the GPU gets 4096², 64 times the work.
    const n = mx.defaultDevice().type === 'gpu' ? 4096 : 1024;
    const chain = 12;
    await mx.tidy(async () => {
      // ones · ones / n = ones, so the result is known in closed form whatever the chain length.
      const x = mx.ones([n, n]);
      let y = x;
      for (let i = 0; i < chain; i++) y = mx.divide(mx.matmul(y, x), n);
      const result = mx.sum(y);

      // Event-loop turns (a setImmediate chain) until the promise resolves: a blocking eval
      // would let none run before it returns.
      let turns = 0;
      let resolved = false;
      const spin = () => {
        turns++;
        if (!resolved) setImmediate(spin);
      };
      const pending = mx.asyncEval(result).then(() => {
        resolved = true;
        return turns;
      });
      setImmediate(spin);
      const turnsBeforeResolve = await pending;

      expect(result.item()).toBe(n * n);
      // The chain takes many loop turns' worth of work on either device.
      expect(turnsBeforeResolve).toBeGreaterThanOrEqual(10);
    });
  });

  it('resolves for nested lists and objects of arrays, and for already evaluated arrays', async () => {
    await mx.tidy(async () => {
      const a = mx.add(mx.ones([3]), 1);
      const b = mx.multiply(a, a);
      await mx.asyncEval({ a, list: [b] });
      expect(b.toList()).toEqual([4, 4, 4]);
      await mx.asyncEval(a, b);
      await mx.asyncEval();
    });
  });

  it('several concurrent asyncEvals all resolve with their values', async () => {
    await mx.tidy(async () => {
      const outs = Array.from({ length: 8 }, (_, i) => mx.sum(mx.multiply(mx.ones([256, 256]), i)));
      await Promise.all(outs.map((o) => mx.asyncEval(o)));
      expect(outs.map((o) => o.item())).toEqual(outs.map((_, i) => i * 256 * 256));
    });
  });

  it('throws ArrayDisposedError at once for a disposed array', async () => {
    const a = mx.ones([2]);
    a.dispose();
    expect(() => mx.asyncEval(a)).toThrow(mx.ArrayDisposedError);
  });
});
