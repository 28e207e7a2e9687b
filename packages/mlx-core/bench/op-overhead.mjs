// Host overhead per op: @mlx-ts/core against Python's mlx on the same libmlx and BLAS, in one run.
//
//   build           add of two 4×4 arrays, then dispose; no evaluation (graph building only)
//   build_eval      add, eval, dispose
//   scope100_build  100 adds inside one tidy (Python: 100 adds held in a list, then dropped)
//   scope100_eval   the same with an eval after each add
//
// Rounds alternate between the two sides so that load on the machine hits both alike; each side
// reports the median and the best trial of wall time, and the median of process CPU time (which
// other processes' load does not inflate). Prints JSON; ratio = ours / python (below 1: we are
// faster).
// Environment: BENCH_ROUNDS (default 3), BENCH_TRIALS (default 5).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as mx from '../dist/index.js';
import { benchPython } from './python-venv.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const trials = Number(process.env.BENCH_TRIALS ?? 5);
const ops = { build: 100_000, build_eval: 5_000, scope100_build: 100_000, scope100_eval: 5_000 };

const a = mx.ones([4, 4]);
const b = mx.ones([4, 4]);
mx.eval(a, b);

const cases = {
  build(n) {
    for (let i = 0; i < n; i++) mx.add(a, b).dispose();
  },
  build_eval(n) {
    for (let i = 0; i < n; i++) {
      const c = mx.add(a, b);
      mx.eval(c);
      c.dispose();
    }
  },
  scope100_build(n) {
    for (let i = 0; i < n / 100; i++) {
      mx.tidy(() => {
        for (let j = 0; j < 100; j++) mx.add(a, b);
      });
    }
  },
  scope100_eval(n) {
    for (let i = 0; i < n / 100; i++) {
      mx.tidy(() => {
        for (let j = 0; j < 100; j++) mx.eval(mx.add(a, b));
      });
    }
  },
};

function runOurs() {
  const out = {};
  for (const [name, fn] of Object.entries(cases)) {
    const n = ops[name];
    fn(Math.min(n, 2000));
    out[name] = { wall: [], cpu: [] };
    for (let t = 0; t < trials; t++) {
      const start = process.hrtime.bigint();
      const startCpu = process.cpuUsage();
      fn(n);
      const cpu = process.cpuUsage(startCpu);
      out[name].wall.push(Number(process.hrtime.bigint() - start) / n);
      out[name].cpu.push(((cpu.user + cpu.system) * 1000) / n);
    }
  }
  return out;
}

function mapped(fragment) {
  for (const line of readFileSync('/proc/self/maps', 'utf8').split('\n')) {
    const path = line.split(/\s+/)[5];
    if (path && basename(path).includes(fragment)) return path;
  }
  return null;
}

function describeLibrary(path) {
  if (!path) return null;
  const real = realpathSync(path);
  return { path, resolves_to: real, openblas: /openblas/i.test(real) };
}

const sha256 = (path) => createHash('sha256').update(readFileSync(path)).digest('hex');
const median = (v) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
const best = (v) => Math.min(...v);

const python = benchPython(repoRoot);
const samples = () => Object.fromEntries(Object.keys(cases).map((k) => [k, { wall: [], cpu: [] }]));
const ours = samples();
const theirs = samples();
let pythonInfo;
for (let r = 0; r < rounds; r++) {
  const mine = runOurs();
  const out = JSON.parse(execFileSync(python, [join(here, 'op-overhead.py'), JSON.stringify({ ops, trials })], { encoding: 'utf8' }));
  for (const k of Object.keys(cases)) {
    for (const kind of ['wall', 'cpu']) {
      ours[k][kind].push(...mine[k][kind]);
      theirs[k][kind].push(...out.trials[k][kind]);
    }
  }
  pythonInfo = out;
}

const ourLibmlx = mapped('libmlx');
const round = (v) => Math.round(v);
const ratio = (x, y) => Number((x / y).toFixed(3));
const results = Object.keys(cases).map((name) => {
  const o = ours[name];
  const p = theirs[name];
  return {
    case: name,
    ops_per_trial: ops[name],
    ours_ns_per_op: round(median(o.wall)),
    python_ns_per_op: round(median(p.wall)),
    ratio: ratio(median(o.wall), median(p.wall)),
    ours_best_ns_per_op: round(best(o.wall)),
    python_best_ns_per_op: round(best(p.wall)),
    ratio_best: ratio(best(o.wall), best(p.wall)),
    ours_cpu_ns_per_op: round(median(o.cpu)),
    python_cpu_ns_per_op: round(median(p.cpu)),
    ratio_cpu: ratio(median(o.cpu), median(p.cpu)),
  };
});

console.log(
  JSON.stringify(
    {
      benchmark: 'op-overhead',
      unit: 'ns per op: wall time (median, best) and process CPU time (median) over rounds × trials',
      load_average: loadavg().map((v) => Number(v.toFixed(2))),
      rounds,
      trials,
      mlx: {
        ours: mx.mlxVersion(),
        python: pythonInfo.version,
        ours_libmlx: ourLibmlx,
        python_libmlx: pythonInfo.libmlx,
        same_libmlx_binary: ourLibmlx && pythonInfo.libmlx ? sha256(ourLibmlx) === sha256(pythonInfo.libmlx) : null,
      },
      blas: { ours: describeLibrary(mapped('libblas')), python: describeLibrary(pythonInfo.libblas) },
      node: process.version,
      results,
    },
    null,
    2,
  ),
);
