// asyncEval keeps the event loop free: timers fire while the device computes.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

describe('asyncEval', () => {
  it('lets a timer keep firing while a large matmul chain computes', async () => {
    const n = 1024;
    const chain = 12;
    await mx.tidy(async () => {
      // ones · ones / n = ones, so the result is known in closed form whatever the chain length.
      const x = mx.ones([n, n]);
      let y = x;
      for (let i = 0; i < chain; i++) y = mx.divide(mx.matmul(y, x), n);
      const result = mx.sum(y);

      const intervalMs = 5;
      let ticks = 0;
      const timer = setInterval(() => ticks++, intervalMs);
      const start = performance.now();
      const pending = mx.asyncEval(result);
      const returnedAfter = performance.now() - start;
      await pending;
      const elapsed = performance.now() - start;
      clearInterval(timer);

      expect(result.item()).toBe(n * n);
      // The call only schedules the work; the wait runs off the JS thread.
      expect(returnedAfter).toBeLessThan(elapsed / 2);
      // A blocked loop would fire once at most; allow for a busy machine delaying some ticks.
      const possible = Math.floor(elapsed / intervalMs);
      expect(possible).toBeGreaterThanOrEqual(10);
      expect(ticks, `${ticks} of ${possible} ticks fired`).toBeGreaterThanOrEqual(Math.max(5, Math.floor(possible * 0.4)));
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
