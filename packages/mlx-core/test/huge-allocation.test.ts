// An array larger than the machine's memory is refused with an MlxError when it is created,
// instead of taking the process down at evaluation.
import { totalmem } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as mx from '@mlx-ts/core';

describe('arrays larger than memory', () => {
  it('are an MlxError naming the shape and the fix, and the process goes on', () => {
    const side = Math.ceil(Math.sqrt(totalmem() / 4)) + 1024;
    for (const make of [() => mx.zeros([side, side]), () => mx.ones([side, side], 'float32'), () => mx.matmul(mx.ones([side, 1]), mx.ones([1, side]))]) {
      const error = (() => {
        try {
          mx.eval(make());
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(mx.MlxError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(new RegExp(`shape \\[${side}, ${side}\\].*Fix:`));
    }
    expect(mx.add(mx.array([1, 2]), 1).toList()).toEqual([2, 3]);
  });
});
