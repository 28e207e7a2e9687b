// The GC safety net: arrays nobody disposes are freed by their finalizer once collected.
import { describe, expect, it } from 'vitest';
import { runChild } from './helpers/child.js';

describe('finalizers', () => {
  it('free forgotten top-level arrays after garbage collection', () => {
    const r = runChild(
      `
      import * as mx from MX;
      const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
      const base = mx.liveArrayCount();
      (() => { for (let i = 0; i < 2000; i++) mx.ones([4]).add(i); })();
      const afterCreate = mx.liveArrayCount();
      await settle(); // finalizers are registered on a microtask
      for (let i = 0; i < 10 && mx.liveArrayCount() > base; i++) { globalThis.gc(); await settle(); }
      console.log(JSON.stringify({ base, afterCreate, afterGc: mx.liveArrayCount() }));
      `,
      { nodeArgs: ['--expose-gc'] },
    );
    expect(r.stderr).toBe('');
    const { base, afterCreate, afterGc } = JSON.parse(r.stdout);
    // 2000 temporaries (ones) + 2000 results; the scalar operands are freed at once.
    expect(afterCreate - base).toBe(4000);
    expect(afterGc).toBe(base);
  });

  it('do not free arrays that are still referenced', () => {
    const r = runChild(
      `
      import * as mx from MX;
      const kept = mx.array([1, 2, 3]);
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((resolve) => setTimeout(resolve, 20)); }
      console.log(JSON.stringify(kept.toList()));
      `,
      { nodeArgs: ['--expose-gc'] },
    );
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([1, 2, 3]);
  });
});
