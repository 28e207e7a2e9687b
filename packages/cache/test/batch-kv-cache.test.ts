// Rows of one BatchKVCache at different positions — prefilled alone, joining and leaving at
// different steps, one past its sliding window while another is not — attend exactly as each row
// alone would: every output is compared with a float64 numpy reference of per-row attention
// (fixtures-gen/batch_attention.py).
import * as mx from '@mlx-ts/core';
import { describe, expect, it } from 'vitest';
import { BatchKVCache, type BatchKVCacheOptions, type MaskOptions } from '../src/index.js';
import { float32Tolerance } from './helpers/tolerance.js';
import { readFixture } from './reference.js';

const ATTENTION_TOLERANCE = float32Tolerance('attention', mx.defaultDevice());

interface BatchAttentionFixture {
  rows: number;
  positions: number;
  Hq: number;
  Hkv: number;
  D: number;
  window: number;
  scale: number;
  full: number[][];
  windowed: number[][];
}

const fx = readFixture<BatchAttentionFixture>('batch-attention.json');

/** The generator's formula: [1, heads, length, D] for row `row` from position `start`. */
function rowBlock(salt: number, row: number, heads: number, start: number, length: number): mx.Array {
  const data = new Float32Array(heads * length * fx.D);
  let i = 0;
  for (let h = 0; h < heads; h++)
    for (let p = start; p < start + length; p++)
      for (let d = 0; d < fx.D; d++) data[i++] = (((p * 131 + row * 71 + h * 17 + d * 7 + salt * 53) % 199) - 99) / 128;
  return mx.array(data, 'float32', [1, heads, length, fx.D]);
}

type Op = { prefill: number; chunks: number[] } | { padded: [row: number, length: number][] } | { decode: number } | { keep: number[] };

class Runner {
  readonly batch: BatchKVCache;
  rows: number[] = [];
  readonly position = new Map<number, number>();
  worst = 0;
  checked = 0;

  constructor(
    private readonly options: BatchKVCacheOptions,
    private readonly mask: MaskOptions,
    private readonly expected: number[][],
  ) {
    this.batch = new BatchKVCache(options);
  }

  #check(out: Float32Array, rowIndex: number, rows: number, row: number, start: number, length: number): void {
    const { Hq, D, positions } = fx;
    for (let h = 0; h < Hq; h++)
      for (let l = 0; l < length; l++)
        for (let d = 0; d < D; d++) {
          const actual = out[((rowIndex * Hq + h) * length + l) * D + d];
          const reference = this.expected[row][(h * positions + start + l) * D + d];
          this.worst = Math.max(this.worst, Math.abs(actual - reference));
          this.checked++;
        }
    expect(rows).toBeGreaterThan(rowIndex);
  }

  #attend(cache: BatchKVCache, q: mx.Array, k: mx.Array, v: mx.Array): Float32Array {
    return mx.tidy(() => {
      const mask = cache.makeMask(q.shape[2], this.mask);
      const fetched = cache.updateAndFetch(k, v);
      const out = mx.fast.scaledDotProductAttention(q, fetched.keys, fetched.values, { scale: fx.scale, mask });
      return out.toTypedArray() as Float32Array;
    });
  }

  run(op: Op): void {
    if ('prefill' in op) {
      const row = op.prefill;
      const single = new BatchKVCache(this.options);
      let start = 0;
      for (const length of op.chunks) {
        const out = mx.tidy(() =>
          this.#attend(single, rowBlock(2, row, fx.Hq, start, length), rowBlock(0, row, fx.Hkv, start, length), rowBlock(1, row, fx.Hkv, start, length)),
        );
        this.#check(out, 0, 1, row, start, length);
        start += length;
      }
      expect(single.positions).toEqual([start]);
      this.batch.extend(single);
      single.dispose();
      this.rows.push(row);
      this.position.set(row, start);
    } else if ('padded' in op) {
      // Several rows prefilled in one update, each left-padded to the longest (padding zeros).
      const lengths = op.padded.map(([, length]) => length);
      const width = Math.max(...lengths);
      const group = new BatchKVCache(this.options);
      group.padRows(lengths.map((length) => width - length));
      const out = mx.tidy(() => {
        const block = (salt: number, heads: number) =>
          mx.concatenate(
            op.padded.map(([row, length]) => {
              const real = rowBlock(salt, row, heads, 0, length);
              return length === width ? real : mx.concatenate([mx.zeros([1, heads, width - length, fx.D]), real], 2);
            }),
            0,
          );
        return this.#attend(group, block(2, fx.Hq), block(0, fx.Hkv), block(1, fx.Hkv));
      });
      expect(out.every(Number.isFinite)).toBe(true);
      const { Hq, D, positions } = fx;
      op.padded.forEach(([row, length], k) => {
        for (let h = 0; h < Hq; h++)
          for (let p = 0; p < length; p++)
            for (let d = 0; d < D; d++) {
              const actual = out[((k * Hq + h) * width + width - length + p) * D + d];
              this.worst = Math.max(this.worst, Math.abs(actual - this.expected[row][(h * positions + p) * D + d]));
              this.checked++;
            }
      });
      expect(group.positions).toEqual(lengths);
      this.batch.extend(group);
      group.dispose();
      for (const [row, length] of op.padded) {
        this.rows.push(row);
        this.position.set(row, length);
      }
    } else if ('decode' in op) {
      for (let s = 0; s < op.decode; s++) {
        const out = mx.tidy(() => {
          const block = (salt: number, heads: number) =>
            mx.concatenate(
              this.rows.map((r) => rowBlock(salt, r, heads, this.position.get(r)!, 1)),
              0,
            );
          return this.#attend(this.batch, block(2, fx.Hq), block(0, fx.Hkv), block(1, fx.Hkv));
        });
        this.rows.forEach((r, i) => this.#check(out, i, this.rows.length, r, this.position.get(r)!, 1));
        for (const r of this.rows) this.position.set(r, this.position.get(r)! + 1);
      }
    } else {
      this.batch.filter(op.keep.map((r) => this.rows.indexOf(r)));
      this.rows = [...op.keep];
    }
    expect(this.batch.positions).toEqual(this.rows.map((r) => this.position.get(r)));
    const offsets = this.batch.rowOffsets;
    if (offsets) expect(Array.from(offsets.toTypedArray() as Int32Array)).toEqual(this.rows.map((r) => this.position.get(r)));
  }
}

// Window 8. Row 0 starts past its window (11 tokens), row 1 inside it (3) and wraps during the
// batch; row 2 joins mid-batch after a chunked prefill; row 0 leaves; row 3 joins a batch whose
// other rows all wrapped, with a prompt longer than the window in uneven chunks.
const schedule: Op[] = [
  { prefill: 0, chunks: [11] },
  { prefill: 1, chunks: [3] },
  { decode: 3 },
  { prefill: 2, chunks: [2, 3] },
  { decode: 4 },
  { keep: [1, 2] },
  { decode: 2 },
  { prefill: 3, chunks: [5, 1, 7] },
  { decode: 6 },
  { keep: [3, 1] },
  { decode: 3 },
];

describe('BatchKVCache: rows at different positions attend as each alone (float64 reference)', () => {
  const cases: Array<[string, BatchKVCacheOptions, MaskOptions, 'full' | 'windowed']> = [
    ['a sliding-window cache (bounded memory)', { windowSize: fx.window, step: 4 }, { windowSize: fx.window }, 'windowed'],
    ['a full cache with a windowed mask', { step: 4 }, { windowSize: fx.window }, 'windowed'],
    ['a full cache, full attention', { step: 4 }, {}, 'full'],
    ['a full cache, default growth step', {}, {}, 'full'],
  ];
  for (const [label, options, mask, reference] of cases) {
    it(label, () => {
      const before = mx.liveArrayCount();
      const runner = new Runner(options, mask, fx[reference]);
      let widest = 0;
      for (const op of schedule) {
        runner.run(op);
        widest = Math.max(widest, runner.batch.capacity);
      }
      expect(runner.checked).toBeGreaterThan(500);
      expect(runner.worst).toBeLessThan(ATTENTION_TOLERANCE);
      // A windowed cache keeps window - 1 columns plus at most one growth step (plus a prefill chunk).
      if (options.windowSize) expect(widest).toBeLessThanOrEqual(fx.window - 1 + 7 + 4);
      runner.batch.dispose();
      expect(mx.liveArrayCount()).toBe(before);
    });
  }
});

// Rows 0-2 prefilled together in one padded update (row 0 past the window of 8, row 1 inside it),
// then decoded; row 3 joins later the same way, alone.
const paddedSchedule: Op[] = [
  {
    padded: [
      [0, 11],
      [1, 3],
      [2, 5],
    ],
  },
  { decode: 4 },
  { keep: [1, 2] },
  { padded: [[3, 9]] },
  { decode: 6 },
  { keep: [3, 1] },
  { decode: 3 },
];

describe('BatchKVCache: prompts of different lengths prefilled in one padded update attend as each alone', () => {
  const cases: Array<[string, BatchKVCacheOptions, MaskOptions, 'full' | 'windowed']> = [
    ['a sliding-window cache', { windowSize: fx.window, step: 4 }, { windowSize: fx.window }, 'windowed'],
    ['a full cache', { step: 4 }, {}, 'full'],
  ];
  for (const [label, options, mask, reference] of cases) {
    it(label, () => {
      const before = mx.liveArrayCount();
      const runner = new Runner(options, mask, fx[reference]);
      for (const op of paddedSchedule) runner.run(op);
      expect(runner.checked).toBeGreaterThan(300);
      expect(runner.worst).toBeLessThan(ATTENTION_TOLERANCE);
      runner.batch.dispose();
      expect(mx.liveArrayCount()).toBe(before);
    });
  }

  it('padRows takes only an empty cache and non-negative integers', () => {
    const cache = new BatchKVCache();
    expect(() => cache.padRows([1, -1])).toThrow(/non-negative integer/);
    cache.padRows([2, 0]);
    expect(() => cache.padRows([0, 0])).toThrow(/only an empty cache/);
    cache.dispose();
  });
});

it('the reference tells the window apart: full attention does not match the windowed outputs', () => {
  const runner = new Runner({ step: 4 }, {}, fx.windowed);
  for (const op of schedule) runner.run(op);
  expect(runner.worst).toBeGreaterThan(1e-2);
  runner.batch.dispose();
});

describe('BatchKVCache: trimming, extracting and errors', () => {
  it('trims every row back and re-attends as the reference', () => {
    const runner = new Runner({ step: 4 }, {}, fx.full);
    runner.run({ prefill: 0, chunks: [6] });
    runner.run({ prefill: 1, chunks: [2] });
    runner.run({ decode: 3 });
    expect(runner.batch.canTrim()).toBe(true);
    expect(runner.batch.trim(2)).toBe(2);
    for (const r of runner.rows) runner.position.set(r, runner.position.get(r)! - 2);
    runner.run({ decode: 4 });
    expect(runner.worst).toBeLessThan(ATTENTION_TOLERANCE);
    runner.batch.dispose();
  });

  it('extract(row) gives a one-row cache that continues as the row alone', () => {
    const runner = new Runner({ windowSize: fx.window, step: 4 }, { windowSize: fx.window }, fx.windowed);
    runner.run({ prefill: 0, chunks: [4] });
    runner.run({ prefill: 1, chunks: [10] });
    runner.run({ decode: 2 });
    const single = runner.batch.extract(0);
    runner.batch.dispose();
    const alone = new Runner({ windowSize: fx.window, step: 4 }, { windowSize: fx.window }, fx.windowed);
    alone.batch.extend(single);
    single.dispose();
    alone.rows = [0];
    alone.position.set(0, 6);
    alone.run({ decode: 9 });
    expect(alone.checked).toBeGreaterThan(0);
    expect(alone.worst).toBeLessThan(ATTENTION_TOLERANCE);
    alone.batch.dispose();
  });

  it('refuses a sliding-window trim after keys left the window, and rows of another shape', () => {
    const runner = new Runner({ windowSize: fx.window }, { windowSize: fx.window }, fx.windowed);
    runner.run({ prefill: 0, chunks: [12] });
    expect(runner.batch.canTrim()).toBe(false);
    expect(() => runner.batch.trim(1)).toThrow(/cannot be rewound/);
    expect(() => runner.batch.filter([3])).toThrow(/not in a batch of 1/);
    const other = new BatchKVCache({ windowSize: fx.window });
    mx.tidy(() => other.updateAndFetch(mx.zeros([1, 3, 2, fx.D]), mx.zeros([1, 3, 2, fx.D])));
    expect(() => runner.batch.extend(other)).toThrow(/do not fit/);
    expect(() => runner.batch.extend(new BatchKVCache())).toThrow(/same windowSize/);
    other.dispose();
    runner.batch.dispose();
  });
});

describe('BatchKVCache growth past a sliding window', () => {
  it('keeps a free step after growing, so a decode past the window does not regrow at every token', () => {
    // Window 8 is a multiple of the step (4): rounding the kept 7 columns plus the new one up to
    // the step alone would leave the buffer full after every write.
    const cache = new BatchKVCache({ windowSize: 8, step: 4 });
    const token = (p: number) => mx.full([2, 1, 1, 4], p, 'float32');
    mx.tidy(() => {
      const first = cache.updateAndFetch(mx.zeros([2, 1, 8, 4], 'float32'), mx.zeros([2, 1, 8, 4], 'float32'));
      mx.eval(first.keys);
    });
    let full = 0;
    for (let p = 8; p < 48; p++) {
      mx.tidy(() => {
        const { keys } = cache.updateAndFetch(token(p), token(p));
        // The window's newest key is the one just written, whatever the buffer's layout.
        const last = keys.shape[2] - 1;
        expect(mx.slice(keys, [0, 0, last, 0], [1, 1, last + 1, 1]).item()).toBe(p);
        expect(keys.shape[2]).toBe(8);
      });
      // A buffer left full grows (a copy of the window) at the next token.
      if (cache.length === cache.capacity) full++;
    }
    // 40 tokens with a step of 4 free columns after each growth: one growth per 4 tokens, not one per token.
    expect(full).toBeLessThanOrEqual(40 / 4 + 1);
    expect(cache.capacity).toBeLessThanOrEqual(8 + 2 * 4);
    cache.dispose();
  });
});
