// mx.fast kernels against their formulas computed in numpy (test/fixtures/fast.json, made by
// test/fixtures-gen/make-fast-fixtures.py).
import { describe, it } from 'vitest';
import * as mx from '../src/index.js';
import { type EncodedArray, expectArray, fromEncoded, readFixture } from './helpers/fixtures.js';

interface RopeCase {
  name: string;
  x: EncodedArray;
  dims: number;
  options: { traditional: boolean; scale: number; base?: number };
  offset: number | EncodedArray;
  freqs?: EncodedArray;
  expected: EncodedArray;
  atol: number;
  rtol: number;
}

interface SdpaCase {
  name: string;
  q: EncodedArray;
  k: EncodedArray;
  v: EncodedArray;
  scale: number;
  mask?: 'causal' | EncodedArray;
  sinks?: EncodedArray;
  expected: EncodedArray;
  atol: number;
  rtol: number;
}

interface NormCase {
  kind: 'rmsNorm' | 'layerNorm';
  name: string;
  x: EncodedArray;
  weight?: EncodedArray;
  bias?: EncodedArray;
  eps: number;
  expected: EncodedArray;
  atol: number;
  rtol: number;
}

const fixture = readFixture<{ rope: RopeCase[]; sdpa: SdpaCase[]; norms: NormCase[] }>('fast.json');
const optional = (e: EncodedArray | undefined) => (e ? fromEncoded(e) : undefined);

describe('fast.rope', () => {
  for (const c of fixture.rope) {
    it(c.name, () => {
      mx.tidy(() => {
        const offset = typeof c.offset === 'number' ? c.offset : fromEncoded(c.offset);
        const out = mx.fast.rope(fromEncoded(c.x), c.dims, { ...c.options, offset, freqs: optional(c.freqs) });
        expectArray(out, c.expected, c.rtol, c.atol, c.name);
      });
    });
  }
});

describe('fast.scaledDotProductAttention', () => {
  for (const c of fixture.sdpa) {
    it(c.name, () => {
      mx.tidy(() => {
        const mask = c.mask === 'causal' ? 'causal' : optional(c.mask);
        const out = mx.fast.scaledDotProductAttention(fromEncoded(c.q), fromEncoded(c.k), fromEncoded(c.v), {
          scale: c.scale,
          mask,
          sinks: optional(c.sinks),
        });
        expectArray(out, c.expected, c.rtol, c.atol, c.name);
      });
    });
  }
});

describe('fast.rmsNorm and fast.layerNorm', () => {
  for (const c of fixture.norms) {
    it(c.name, () => {
      mx.tidy(() => {
        const x = fromEncoded(c.x);
        const out = c.kind === 'rmsNorm' ? mx.fast.rmsNorm(x, optional(c.weight), c.eps) : mx.fast.layerNorm(x, optional(c.weight), optional(c.bias), c.eps);
        expectArray(out, c.expected, c.rtol, c.atol, c.name);
      });
    });
  }
});
