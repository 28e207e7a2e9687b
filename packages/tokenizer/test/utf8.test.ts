import { describe, expect, it } from 'vitest';
import { encodeUtf8At } from '../src/utf8.js';

describe('encodeUtf8At', () => {
  it('writes the bytes TextEncoder writes, unpaired surrogates as U+FFFD, at any offset', () => {
    const encoder = new TextEncoder();
    const samples = ['', 'a', '\u2581hello', 'é', '\u0800', '\uffff', '\ufeff//', '😀', 'a\ud800', '\udc00b', '\ud800\ud800\udc00', '\udbff\udfff', '<0x0A>'];
    let state = 12345;
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = n % 9;
      for (let i = 0; i < length; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        // Mostly ASCII and BMP, with surrogates (paired or not) often enough to matter.
        const kind = state % 5;
        text += String.fromCharCode(kind === 0 ? state % 0x80 : kind === 1 ? 0xd800 + (state % 0x800) : state % 0x10000);
      }
      samples.push(text);
    }
    for (const text of samples) {
      const out = new Uint8Array(3 + 3 * text.length).fill(0xaa);
      const end = encodeUtf8At(text, out, 3);
      expect([...out.subarray(3, end)]).toEqual([...encoder.encode(text)]);
      expect([...out.subarray(0, 3)]).toEqual([0xaa, 0xaa, 0xaa]);
    }
  });
});
