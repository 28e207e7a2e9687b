// mx.random: fixed keys reproduce, distributions have the right support and moments.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

const flat = (a: mx.Array) => Array.from(a.astype('float32').toTypedArray() as Float32Array);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const stdev = (v: number[]) => {
  const m = mean(v);
  return Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
};

describe('keys', () => {
  it('key(seed) is the uint32 pair [seed >> 32, seed & 0xffffffff]', () => {
    mx.tidy(() => {
      const k = mx.random.key(42);
      expect(k.dtype).toBe('uint32');
      expect(k.toList()).toEqual([0, 42]);
      expect(mx.random.key(2 ** 32 + 7).toList()).toEqual([1, 7]);
    });
  });

  it('split gives distinct keys, the same ones every time', () => {
    mx.tidy(() => {
      const keys = mx.random.split(mx.random.key(1), 3);
      expect(keys.shape).toEqual([3, 2]);
      const rows = (keys.toList() as number[][]).map((r) => r.join(','));
      expect(new Set(rows).size).toBe(3);
      expect(mx.random.split(mx.random.key(1), 3).toList()).toEqual(keys.toList());
    });
  });
});

describe('reproducibility with a fixed key', () => {
  const draws: [string, (key: mx.Array) => mx.Array][] = [
    ['uniform', (key) => mx.random.uniform({ shape: [64], key })],
    ['normal', (key) => mx.random.normal({ shape: [64], key })],
    ['randint', (key) => mx.random.randint(0, 1000, { shape: [64], key })],
    ['gumbel', (key) => mx.random.gumbel({ shape: [64], key })],
    ['bernoulli', (key) => mx.random.bernoulli(0.5, { shape: [64], key })],
    ['categorical', (key) => mx.random.categorical(mx.zeros([64, 10]), { key })],
  ];
  for (const [name, draw] of draws) {
    it(`${name}: same key, same values; another key, other values`, () => {
      mx.tidy(() => {
        const a = flat(draw(mx.random.key(7)));
        expect(flat(draw(mx.random.key(7)))).toEqual(a);
        expect(flat(draw(mx.random.key(8)))).not.toEqual(a);
      });
    });
  }

  it('seed() makes the global sequence reproducible', () => {
    mx.tidy(() => {
      mx.random.seed(123);
      const a = flat(mx.random.uniform({ shape: [16] }));
      const b = flat(mx.random.uniform({ shape: [16] }));
      mx.random.seed(123);
      expect(flat(mx.random.uniform({ shape: [16] }))).toEqual(a);
      expect(flat(mx.random.uniform({ shape: [16] }))).toEqual(b);
      expect(b).not.toEqual(a);
    });
  });
});

describe('distributions', () => {
  const N = 20_000;

  it('uniform lies in [low, high) with mean (low + high) / 2 and variance (high - low)²/12', () => {
    mx.tidy(() => {
      const v = flat(mx.random.uniform({ low: -2, high: 6, shape: [N], key: mx.random.key(3) }));
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-2);
      expect(Math.max(...v)).toBeLessThan(6);
      expect(mean(v)).toBeCloseTo(2, 1);
      expect(stdev(v)).toBeCloseTo(8 / Math.sqrt(12), 1);
    });
  });

  it('normal has the requested loc and scale', () => {
    mx.tidy(() => {
      const v = flat(mx.random.normal({ shape: [N], loc: 1.5, scale: 0.5, key: mx.random.key(4) }));
      expect(mean(v)).toBeCloseTo(1.5, 1);
      expect(stdev(v)).toBeCloseTo(0.5, 1);
    });
  });

  it('randint covers [low, high) and nothing else', () => {
    mx.tidy(() => {
      const a = mx.random.randint(-3, 4, { shape: [N], key: mx.random.key(5) });
      expect(a.dtype).toBe('int32');
      expect(new Set(flat(a))).toEqual(new Set([-3, -2, -1, 0, 1, 2, 3]));
    });
  });

  it('bernoulli(p) has mean p', () => {
    mx.tidy(() => {
      const a = mx.random.bernoulli(0.3, { shape: [N], key: mx.random.key(6) });
      expect(a.dtype).toBe('bool');
      expect(mean(flat(a))).toBeCloseTo(0.3, 1);
    });
  });

  it('categorical samples follow softmax(logits)', () => {
    mx.tidy(() => {
      const probabilities = [0.1, 0.2, 0.7];
      const logits = mx.log(mx.array([probabilities]));
      const samples = mx.random.categorical(logits, { numSamples: N, key: mx.random.key(9) });
      expect(samples.shape).toEqual([1, N]);
      const counts = [0, 0, 0];
      for (const s of flat(samples)) counts[s]++;
      // Binomial standard deviation at N = 20,000 is at most 0.0035: 5 sigma.
      counts.forEach((c, i) => expect(Math.abs(c / N - probabilities[i])).toBeLessThan(0.0175));
    });
  });

  it('categorical over the last axis picks a forbidden (-inf) class never', () => {
    mx.tidy(() => {
      const logits = mx.array([[0, -Infinity, 0, -Infinity]]);
      const v = flat(mx.random.categorical(logits, { numSamples: 2000, key: mx.random.key(10) }));
      expect(new Set(v)).toEqual(new Set([0, 2]));
    });
  });
});
