// A worker thread that uses MLX and then dies (an uncaught error, terminate()) while it holds
// arrays, compiled functions and a pending asyncEval leaves the process whole: no abort, its
// arrays released, and MlxError still the class of errors on the threads that remain.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';

const dist = new URL('../dist/index.js', import.meta.url).href;

/** A worker that loads the package, holds arrays, then reports how many it made and dies the way `end` says. */
function worker(end: 'throw' | 'terminate'): Promise<{ made: number; exit: number }> {
  const code = `
    const { parentPort } = require('node:worker_threads');
    import(${JSON.stringify(dist)}).then(async (mx) => {
      const before = mx.liveArrayCount();
      const a = mx.ones([256, 256]);
      const double = mx.compile((x) => mx.add(x, x));
      const b = double(mx.matmul(a, a));
      await mx.asyncEval([b]);
      // Left pending when the thread ends.
      void mx.asyncEval([mx.matmul(b, b)]);
      parentPort.postMessage({ made: mx.liveArrayCount() - before });
      if (${JSON.stringify(end)} === 'throw') setImmediate(() => { throw new Error('the worker fails'); });
      // Kept alive until terminate() ends it: otherwise a fast machine may finish the pending work
      // and exit on its own (code 0) before the parent terminates it.
      else setInterval(() => undefined, 1000);
    });
  `;
  const thread = new Worker(code, { eval: true });
  return new Promise((resolve, reject) => {
    let made = -1;
    thread.on('message', (message: { made: number }) => {
      made = message.made;
      if (end === 'terminate') void thread.terminate();
    });
    thread.on('error', () => undefined);
    thread.on('exit', (exit) => (made < 0 ? reject(new Error(`the worker exited (${exit}) before it reported`)) : resolve({ made, exit })));
  });
}

describe('a worker thread that dies holding MLX state', () => {
  for (const end of ['throw', 'terminate'] as const) {
    it(`(${end}) leaves its arrays released and the process serving`, async () => {
      const baseline = mx.liveArrayCount();
      const first = await worker(end);
      expect(first.made).toBeGreaterThan(0);
      expect(first.exit).toBe(1);
      // The handle table is shared by the threads: the dead thread's handles are gone from it.
      expect(mx.liveArrayCount()).toBe(baseline);
      // A new thread works as the first did, and so does this one.
      expect((await worker(end)).made).toBe(first.made);
      expect(mx.liveArrayCount()).toBe(baseline);
      const error = (() => {
        try {
          mx.tidy(() => mx.add(mx.ones([2, 3]), mx.ones([4])));
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(mx.MlxError);
      expect(mx.tidy(() => mx.sum(mx.ones([4])).item())).toBe(4);
    });
  }
});
