// mx.distributed over MLX's ring backend: two real Node processes on 127.0.0.1, started with
// the environment mlx.launch gives (MLX_RANK, MLX_HOSTFILE).
import { describe, expect, it } from 'vitest';
import * as mx from '../src/index.js';
import { runChild } from './helpers/child.js';
import { lastJson, runRing } from './helpers/ring.js';

describe('mx.distributed on one process', () => {
  it('has the ring backend compiled in', () => {
    expect(mx.distributed.isAvailable('ring')).toBe(true);
  });

  it('without a distributed environment init gives a group of one where collectives are the identity', () => {
    const r = runChild(
      `import * as mx from MX;
       delete process.env.MLX_RANK;
       delete process.env.MLX_HOSTFILE;
       const g = mx.distributed.init();
       const x = mx.array([1, 2, 3]);
       console.log(JSON.stringify({ rank: g.rank, size: g.size, sum: mx.distributed.allSum(x).toList(), gather: mx.distributed.allGather(x).toList() }));`,
    );
    expect(JSON.parse(r.stdout), r.stderr).toEqual({ rank: 0, size: 1, sum: [1, 2, 3], gather: [1, 2, 3] });
  });

  it('a strict init of a backend that cannot start is a DistributedError naming the compiled backends', () => {
    let caught: unknown;
    try {
      mx.distributed.init({ backend: 'mpi', strict: true });
    } catch (error) {
      caught = error;
    }
    expect(mx.DistributedError.isInstance(caught)).toBe(true);
    expect(mx.MlxError.isInstance(caught)).toBe(true);
    expect((caught as mx.DistributedError).code).toBe('distributed_error');
    expect((caught as Error).message).toMatch(/backends in this MLX: .*ring/);
  });

  it('rejects an unknown backend', () => {
    expect(() => mx.distributed.init({ backend: 'tcp' as 'ring' })).toThrow(TypeError);
  });
});

describe('mx.distributed over a ring of two processes', () => {
  it('all-sum, all-gather, all-max, all-min, send/recv and recvLike give the values of both ranks', async () => {
    const results = await runRing(`
      import * as mx from MX;
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      const x = mx.array([[g.rank + 1, -10 * (g.rank + 1)], [0.5, g.rank]]);
      const out = {
        rank: g.rank,
        size: g.size,
        sum: mx.distributed.allSum(x).toList(),
        gather: mx.distributed.allGather(x).toList(),
        max: mx.distributed.allMax(x).toList(),
        min: mx.distributed.allMin(x, { group: g }).toList(),
        gatherInt: mx.distributed.allGather(mx.array([g.rank * 7], 'int32')).toList(),
      };
      // Lazy: nothing moves until the send is evaluated, the receive until it is read.
      if (g.rank === 0) {
        mx.eval(mx.distributed.send(mx.array([1.5, 2.5, 3.5]), 1));
        out.back = mx.distributed.recvLike(mx.zeros([2], 'int32'), 1).toList();
      } else {
        out.got = mx.distributed.recv([3], 'float32', 0).toList();
        mx.eval(mx.distributed.send(mx.array([42, 43], 'int32'), 0));
      }
      console.log(JSON.stringify(out));
    `);
    const [r0, r1] = results.map((r) => lastJson(r) as Record<string, unknown>);
    for (const [i, r] of [r0, r1].entries()) {
      expect(results[i].status, results[i].stderr).toBe(0);
      expect(r.rank).toBe(i);
      expect(r.size).toBe(2);
      expect(r.sum).toEqual([
        [3, -30],
        [1, 1],
      ]);
      expect(r.gather).toEqual([
        [1, -10],
        [0.5, 0],
        [2, -20],
        [0.5, 1],
      ]);
      expect(r.max).toEqual([
        [2, -10],
        [0.5, 1],
      ]);
      expect(r.min).toEqual([
        [1, -20],
        [0.5, 0],
      ]);
      expect(r.gatherInt).toEqual([0, 7]);
    }
    expect(r1.got).toEqual([1.5, 2.5, 3.5]);
    expect(r0.back).toEqual([42, 43]);
  });

  it('a rank whose peer never starts exits with a clear error instead of hanging', async () => {
    const [r1] = await runRing(
      `import * as mx from MX;
       mx.distributed.init({ backend: 'ring', strict: true, timeoutMs: 3000 });
       console.log('connected');`,
      { ranks: [1], timeoutMs: 60_000 },
    );
    expect(r1.signal).toBeNull();
    expect(r1.status).toBe(75);
    expect(r1.stdout).not.toContain('connected');
    expect(r1.stderr).toMatch(/did not connect to its peers within 3000 ms \(MLX_RANK=1/);
  });

  it('a peer lost after connecting makes the next collective throw a DistributedError', async () => {
    const [r0, r1] = await runRing(`
      import * as mx from MX;
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      if (g.rank === 1) process.exit(3);
      await new Promise((r) => setTimeout(r, 300));
      try {
        mx.distributed.allSum(mx.ones([1024])).toList();
        console.log(JSON.stringify({ threw: false }));
      } catch (error) {
        console.log(JSON.stringify({ threw: true, distributed: mx.DistributedError.isInstance(error), message: error.message }));
      }
    `);
    expect(r1.status).toBe(3);
    expect(lastJson(r0)).toEqual({ threw: true, distributed: true, message: expect.stringMatching(/^\[ring\] connection to a peer was lost/) });
  });

  it('exitOnStreamError ends a rank whose peer died inside an evaluation of several collectives, which would never settle', async () => {
    // The first all-sum fails; the second waits forever on the dead connection, and so would the evaluation.
    const [r0, r1] = await runRing(`
      import * as mx from MX;
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      if (g.rank === 1) process.exit(3);
      mx.distributed.exitOnStreamError({ collective: 'lost the group: {error}', other: 'failed: {error}', code: 7 });
      await new Promise((r) => setTimeout(r, 300));
      let x = mx.ones([1024]);
      for (let i = 0; i < 4; i++) x = mx.distributed.allSum(mx.multiply(x, mx.array(0.5)));
      await mx.asyncEval(x);
      console.log('settled');
    `);
    expect(r1.status).toBe(3);
    expect(r0.status, r0.stderr).toBe(7);
    expect(r0.stdout).not.toContain('settled');
    expect(r0.stderr).toMatch(/lost the group: \[ring\] connection to a peer was lost/);
  });

  it('exitOnLostPeer ends an idle rank as soon as its peer dies, naming the connection (no collective would ever notice)', async () => {
    const [r0, r1] = await runRing(`
      import * as mx from MX;
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      if (g.rank === 1) setTimeout(() => process.exit(3), 300);
      else {
        mx.distributed.exitOnLostPeer({ line: 'lost the group: {error}', code: 7 });
        await new Promise((r) => setTimeout(r, 20_000));
        console.log('still here');
      }
    `);
    expect(r1.status).toBe(3);
    expect(r0.status).toBe(7);
    expect(r0.stdout).not.toContain('still here');
    expect(r0.stderr).toMatch(/lost the group: \[ring\] the connection to the peer at 127\.0\.0\.1:\d+ was closed by the peer\n/);
  });

  it('exitOnLostPeer ends a rank whose peer died while it waits inside a collective', async () => {
    const [r0, r1] = await runRing(`
      import * as mx from MX;
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      if (g.rank === 1) setTimeout(() => process.exit(3), 300);
      else {
        mx.distributed.exitOnLostPeer({ line: 'lost the group: {error}', code: 7 });
        // Rank 1 never takes part: this all-sum waits until the connection closes.
        await mx.asyncEval(mx.distributed.allSum(mx.ones([4096])));
        console.log('settled');
      }
    `);
    expect(r1.status).toBe(3);
    expect(r0.status, r0.stderr).toBe(7);
    expect(r0.stdout).not.toContain('settled');
    expect(r0.stderr).toMatch(/lost the group: \[ring\] the connection to the peer at 127\.0\.0\.1:\d+ (was closed by the peer|failed)/);
  });

  it('after expectPeersToLeave a peer that leaves ends nothing', async () => {
    const [r0, r1] = await runRing(`
      import * as mx from MX;
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      mx.distributed.exitOnLostPeer({ line: 'lost the group: {error}', code: 7 });
      mx.distributed.expectPeersToLeave();
      // Both ranks have disarmed before either leaves: rank 1 exits only after this all-sum.
      mx.distributed.allSum(mx.ones([2])).toList();
      if (g.rank === 1) process.exit(0);
      await new Promise((r) => setTimeout(r, 1000));
      console.log('stayed');
    `);
    expect(r1.status).toBe(0);
    expect(r0.status, r0.stderr).toBe(0);
    expect(r0.stdout).toContain('stayed');
  });

  it('exitOnLostPeer checks its options', () => {
    expect(() => mx.distributed.exitOnLostPeer({ line: 'a', code: 256 })).toThrow(TypeError);
  });

  it('exitOnStreamError checks its options', () => {
    expect(() => mx.distributed.exitOnStreamError({ collective: 'a', other: 'b', code: 300 })).toThrow(TypeError);
    expect(() => mx.distributed.exitOnStreamError({ collective: 'a', other: 'b', pollMs: 0 })).toThrow(TypeError);
  });
});
