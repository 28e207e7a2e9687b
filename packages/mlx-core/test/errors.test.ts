// Bad input gives typed errors, never a crash: MLX's own failures are MlxError with MLX's
// message; wrong argument types are TypeError.
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

function caught(fn: () => unknown): unknown {
  try {
    mx.tidy(() => {
      fn();
    });
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('MlxError', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['add of incompatible shapes', () => mx.add(mx.ones([2, 3]), mx.ones([4])), /broadcast/i],
    ['matmul of mismatched inner dimensions', () => mx.matmul(mx.ones([2, 3]), mx.ones([2, 3])), /matmul|shape|dimension/i],
    ['reshape to a different size', () => mx.reshape(mx.ones([2, 3]), [4, 2]), /reshape/i],
    ['concatenate of mismatched shapes', () => mx.concatenate([mx.ones([2, 3]), mx.ones([2, 4])], 0), /concatenate|shape/i],
    ['an axis out of range', () => mx.sum(mx.ones([2, 3]), 5), /axis/i],
    ['transpose with a wrong permutation', () => mx.transpose(mx.ones([2, 3]), [0, 0]), /transpose|axes|permutation/i],
    ['split into unequal sections', () => mx.split(mx.ones([5]), 2), /split/i],
    [
      'sdpa with mismatched head dims',
      () => mx.fast.scaledDotProductAttention(mx.ones([1, 2, 3, 8]), mx.ones([1, 2, 3, 4]), mx.ones([1, 2, 3, 4]), { scale: 1 }),
      /./,
    ],
    ['quantize with an unsupported bit width', () => mx.quantize(mx.ones([4, 64]), { bits: 7 }), /bits|quantiz/i],
    ['broadcastTo an incompatible shape', () => mx.broadcastTo(mx.ones([3]), [2, 4]), /broadcast/i],
  ];
  for (const [name, fn, message] of cases) {
    it(name, () => {
      const error = caught(fn);
      expect(error).toBeInstanceOf(mx.MlxError);
      expect(error).toBeInstanceOf(Error);
      expect(mx.MlxError.isInstance(error)).toBe(true);
      expect((error as Error).name).toBe('MlxError');
      expect((error as Error).message).toMatch(message);
    });
  }

  it('the process keeps working after many errors, and nothing leaks', () => {
    const before = mx.liveArrayCount();
    for (let i = 0; i < 500; i++) caught(() => mx.add(mx.ones([2]), mx.ones([3])));
    expect(mx.liveArrayCount()).toBe(before);
    expect(mx.tidy(() => mx.add(mx.ones([2]), 1).toList())).toEqual([2, 2]);
  });

  it('isInstance recognises errors by their marker, not by class identity', () => {
    expect(mx.MlxError.isInstance(new Error('x'))).toBe(false);
    expect(mx.MlxError.isInstance({ [Symbol.for('mlx-ts.MlxError')]: true })).toBe(true);
    expect(mx.NativeBindingLoadError.isInstance(new mx.NativeBindingLoadError('x'))).toBe(true);
    expect(mx.ArrayDisposedError.isInstance(new mx.ArrayDisposedError())).toBe(true);
  });
});

describe('TypeError for arguments of the wrong type', () => {
  const cases: [string, () => unknown][] = [
    ['a string operand', () => mx.add('a' as unknown as mx.Array, 1)],
    ['a plain JS list where an mx.Array is expected', () => mx.matmul([1, 2] as unknown as mx.Array, mx.ones([2]))],
    ['null', () => mx.exp(null as unknown as mx.Array)],
    ['an object passed to mx.array', () => mx.array({} as unknown as number[])],
    ['a ragged nested list', () => mx.array([[1, 2], [3]])],
    ['a string inside a nested list', () => mx.array([1, 'x'] as unknown as number[])],
    ['an unknown dtype', () => mx.zeros([2], 'float128' as mx.Dtype)],
    ['a fractional dimension', () => mx.reshape(mx.ones([4]), [1.5, 2])],
    ['a shape that is not a list', () => mx.zeros(3 as unknown as number[])],
    ['typed data that does not fill the shape', () => mx.array(Float32Array.of(1, 2, 3), undefined, [2, 2])],
    ['item() of an array with several elements', () => mx.ones([3]).item()],
    [
      'sdpa without options.scale',
      () => mx.fast.scaledDotProductAttention(mx.ones([1, 1, 2, 4]), mx.ones([1, 1, 2, 4]), mx.ones([1, 1, 2, 4]), {} as mx.AttentionOptions),
    ],
    [
      'sdpa with an unknown mask kind',
      () => mx.fast.scaledDotProductAttention(mx.ones([1, 1, 2, 4]), mx.ones([1, 1, 2, 4]), mx.ones([1, 1, 2, 4]), { scale: 1, mask: 'future' as 'causal' }),
    ],
    ['rope with a fractional offset', () => mx.fast.rope(mx.ones([1, 1, 2, 4]), 4, { offset: 1.5 })],
    ['a negative random seed', () => mx.random.key(-1)],
    ['pad with the wrong number of pairs', () => mx.pad(mx.ones([2, 2]), [[1, 1]])],
    ['take with a fractional index', () => mx.take(mx.ones([3]), 1.5)],
    ['a device that is not a device', () => mx.deviceIsAvailable({ type: 'tpu' } as unknown as mx.Device)],
  ];
  for (const [name, fn] of cases) {
    it(name, () => {
      const error = caught(fn);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message.length).toBeGreaterThan(10);
    });
  }

  it('the message names the argument and the fix where there is one', () => {
    expect((caught(() => mx.matmul([1, 2] as unknown as mx.Array, mx.ones([2]))) as Error).message).toMatch(/mx\.array\(\)/);
    expect((caught(() => mx.zeros([2], 'float128' as mx.Dtype)) as Error).message).toMatch(/float32/);
  });
});
