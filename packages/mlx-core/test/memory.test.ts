// Memory model: tidy scopes keep MLX memory and the handle table flat, dispose is idempotent,
// use after dispose is a typed error, `using` and keep() work, async tidies track their own arrays.
import { getHeapSpaceStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

function step(i: number): number {
  const x = mx.full([32, 32], i % 7);
  const y = mx.matmul(x, x).add(1).multiply(0.5);
  const s = mx.sum(mx.softmax(y, -1));
  return s.item() as number;
}

describe('tidy loops stay flat', () => {
  it('10,000 iterations keep active memory and live arrays flat', () => {
    for (let i = 0; i < 200; i++) mx.tidy(() => step(i)); // warm MLX's buffer cache
    const liveBefore = mx.liveArrayCount();
    const memoryBefore = mx.memory.getActiveMemory();
    let checksum = 0;
    for (let i = 0; i < 10_000; i++) checksum += mx.tidy(() => step(i));
    // Each softmax row sums to 1: 32 rows.
    expect(checksum).toBeCloseTo(32 * 10_000, 0);
    expect(mx.liveArrayCount()).toBe(liveBefore);
    expect(mx.memory.getActiveMemory()).toBeLessThanOrEqual(memoryBefore + 64 * 1024);
  });

  it('a tidy loop that returns an array leaks nothing once the result is disposed', () => {
    const before = mx.liveArrayCount();
    for (let i = 0; i < 1000; i++) {
      const out = mx.tidy(() => mx.exp(mx.ones([8])).add(i));
      out.dispose();
    }
    expect(mx.liveArrayCount()).toBe(before);
  });
});

describe('dispose', () => {
  it('is idempotent and frees exactly one table slot', () => {
    const before = mx.liveArrayCount();
    const a = mx.ones([4]);
    expect(mx.liveArrayCount()).toBe(before + 1);
    a.dispose();
    a.dispose();
    a[Symbol.dispose]();
    expect(a.disposed).toBe(true);
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('use after dispose throws ArrayDisposedError', () => {
    const a = mx.ones([2, 2]);
    a.dispose();
    const uses: (() => unknown)[] = [
      () => a.shape,
      () => a.dtype,
      () => a.toList(),
      () => a.item(),
      () => mx.add(a, 1),
      () => mx.matmul(a, a),
      () => a.reshape(4),
      () => mx.eval(a),
    ];
    for (const use of uses) {
      let caught: unknown;
      try {
        use();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(mx.ArrayDisposedError);
      expect(mx.ArrayDisposedError.isInstance(caught)).toBe(true);
    }
    expect(String(a)).toBe('array(<disposed>)');
  });

  it('mx.dispose frees arrays inside lists and objects', () => {
    const before = mx.liveArrayCount();
    const tree = { a: mx.ones([1]), list: [mx.zeros([2]), { deep: mx.ones([3]) }] };
    expect(mx.liveArrayCount()).toBe(before + 3);
    mx.dispose(tree, tree.a);
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('a result stays valid after its inputs are disposed (the graph holds what it needs)', () => {
    const a = mx.array([1, 2, 3]);
    const b = mx.multiply(a, 2);
    a.dispose();
    expect(b.toList()).toEqual([2, 4, 6]);
    b.dispose();
  });
});

describe('using', () => {
  it('disposes at the end of the block', () => {
    const before = mx.liveArrayCount();
    let escaped: mx.Array;
    {
      using a = mx.array([1, 2]);
      using b = a.add(1);
      expect(b.toList()).toEqual([2, 3]);
      escaped = b;
    }
    expect(escaped.disposed).toBe(true);
    expect(mx.liveArrayCount()).toBe(before);
  });
});

describe('tidy', () => {
  it('returns its arrays (also nested in lists and objects) and frees the rest', () => {
    const before = mx.liveArrayCount();
    let temp!: mx.Array;
    const out = mx.tidy(() => {
      temp = mx.ones([3]);
      const x = temp.add(1);
      return { x, parts: [x.multiply(2), { y: mx.negative(x) }] as const, label: 'kept' };
    });
    expect(temp.disposed).toBe(true);
    expect(out.x.toList()).toEqual([2, 2, 2]);
    expect(out.parts[0].toList()).toEqual([4, 4, 4]);
    expect(out.parts[1].y.toList()).toEqual([-2, -2, -2]);
    expect(out.label).toBe('kept');
    expect(mx.liveArrayCount()).toBe(before + 3);
    mx.dispose(out);
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('nested: the inner result joins the outer scope and is freed with it', () => {
    const before = mx.liveArrayCount();
    let inner!: mx.Array;
    const result = mx.tidy(() => {
      inner = mx.tidy(() => mx.ones([2]).add(1));
      expect(inner.disposed).toBe(false);
      return inner.sum();
    });
    expect(inner.disposed).toBe(true);
    expect(result.item()).toBe(4);
    result.dispose();
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('frees everything when the callback throws', () => {
    const before = mx.liveArrayCount();
    let made!: mx.Array;
    expect(() =>
      mx.tidy(() => {
        made = mx.ones([2]);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(made.disposed).toBe(true);
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('keep() takes an array out of the scope; it lives until disposed', () => {
    const before = mx.liveArrayCount();
    let kept!: mx.Array;
    let dropped!: mx.Array;
    mx.tidy(() => {
      kept = mx.keep(mx.array([5, 6]));
      dropped = mx.array([7]);
    });
    expect(dropped.disposed).toBe(true);
    expect(kept.toList()).toEqual([5, 6]);
    kept.dispose();
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('async callbacks: arrays made after an await are tracked, the result survives', async () => {
    const before = mx.liveArrayCount();
    let early!: mx.Array;
    let late!: mx.Array;
    const out = await mx.tidy(async () => {
      early = mx.ones([2]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      late = early.add(1);
      await mx.asyncEval(late);
      return late.multiply(3);
    });
    expect(early.disposed).toBe(true);
    expect(late.disposed).toBe(true);
    expect(out.toList()).toEqual([6, 6]);
    out.dispose();
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('concurrent async tidies do not free each other’s arrays', async () => {
    const before = mx.liveArrayCount();
    const run = (value: number, delay: number) =>
      mx.tidy(async () => {
        const a = mx.full([2], value);
        await new Promise((resolve) => setTimeout(resolve, delay));
        const b = a.add(1);
        await new Promise((resolve) => setTimeout(resolve, delay));
        return b.multiply(2);
      });
    const [x, y] = await Promise.all([run(1, 10), run(10, 2)]);
    expect(x.toList()).toEqual([4, 4]);
    expect(y.toList()).toEqual([22, 22]);
    mx.dispose(x, y);
    expect(mx.liveArrayCount()).toBe(before);
  });

  it('an async tidy that rejects frees its arrays', async () => {
    const before = mx.liveArrayCount();
    await expect(
      mx.tidy(async () => {
        mx.ones([3]);
        await Promise.resolve();
        mx.zeros([3]);
        throw new Error('late failure');
      }),
    ).rejects.toThrow('late failure');
    expect(mx.liveArrayCount()).toBe(before);
  });
});

describe('reduceJsHeap', () => {
  const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.physical_space_size;

  it("runs V8's low-memory collection under Node: the young generation a burst grew shrinks back", () => {
    let kept: number[][] = [];
    // Objects that live a while survive scavenges, which is what makes V8 grow its semi-spaces.
    for (let i = 0; i < 200_000; i++) {
      kept.push([i, i + 1, i + 2]);
      if (kept.length > 20_000) kept = [];
    }
    kept = [];
    const grown = newSpace();
    expect(mx.memory.reduceJsHeap()).toBe(true);
    expect(newSpace()).toBeLessThanOrEqual(grown);
    expect(newSpace()).toBeLessThan(4 << 20);
  });
});
