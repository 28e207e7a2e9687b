// mlx-ts launch starts real ranks of an MLX ring group on this machine with MLX's environment,
// and ends the whole group, with the failing rank's code, when one rank fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, repoRoot } from './cli-helpers.js';

const core = join(repoRoot, 'packages/mlx-core/dist/index.js');

function script(source: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'mlx-ts-launch-test-')), 'rank.mjs');
  writeFileSync(path, `import * as mx from ${JSON.stringify(core)};\n${source}`);
  return path;
}

function launch(args: string[]) {
  // The harness bound: a group that hangs is killed and fails the test.
  return spawnSync(process.execPath, [cli, 'launch', ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('mlx-ts launch', () => {
  it('-n 2 starts two ranks that form one ring group', () => {
    const rank = script(`
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      const hostfile = process.env.MLX_HOSTFILE;
      console.log(JSON.stringify({ rank: g.rank, size: g.size, sum: mx.distributed.allSum(mx.array([g.rank + 1, 10])).toList(), hostfile }));`);
    const r = launch(['-n', '2', '--', process.execPath, rank]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.sort((a, b) => a.rank - b.rank)).toEqual([
      { rank: 0, size: 2, sum: [3, 20], hostfile: lines[0].hostfile },
      { rank: 1, size: 2, sum: [3, 20], hostfile: lines[0].hostfile },
    ]);
    // The hostfile launch made for the ranks is gone with them.
    expect(lines[0].hostfile).toMatch(/hosts\.json$/);
    expect(existsSync(dirname(lines[0].hostfile))).toBe(false);
  });

  it('a failing rank stops the others and the group exits with its code', () => {
    const rank = script(`
      const g = mx.distributed.init({ backend: 'ring', strict: true });
      // Rank 1 fails a moment after the group formed (at once, rank 0's own connect could fail first).
      if (g.rank === 1) setTimeout(() => process.exit(3), 500);
      setInterval(() => {}, 1000); // rank 0 would wait forever on its own`);
    const r = launch(['-n', '2', '--', process.execPath, rank]);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('mlx-ts launch: rank 1 exited with code 3; stopping the other ranks');
  });

  it('with --hosts and --rank starts only that rank of the hostfile', () => {
    const hosts = join(mkdtempSync(join(tmpdir(), 'mlx-ts-hosts-')), 'hosts.json');
    writeFileSync(hosts, JSON.stringify([['127.0.0.1:1'], ['127.0.0.1:2']]));
    const rank = script('console.log(process.env.MLX_RANK, process.env.MLX_HOSTFILE);');
    const r = launch(['--hosts', hosts, '--rank', '1', '--', process.execPath, rank]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`1 ${hosts}`);
  });

  it('rejects a hostfile that is not a list of ip:port lists, naming the format', () => {
    const hosts = join(mkdtempSync(join(tmpdir(), 'mlx-ts-hosts-')), 'hosts.json');
    writeFileSync(hosts, JSON.stringify({ hosts: ['a'] }));
    const r = launch(['--hosts', hosts, '--', 'true']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('[["10.0.0.1:5000"], ["10.0.0.2:5000"]]');
  });
});
