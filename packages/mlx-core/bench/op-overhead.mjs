// Host overhead per op: @mlx-ts/core against Python's mlx on the same libmlx and BLAS, in one run.
//
//   build           add of two 4×4 arrays, then dispose; no evaluation (graph building only)
//   build_eval      add, eval, dispose
//   scope100_build  100 adds inside one tidy (Python: 100 adds held in a list, then dropped)
//   scope100_eval   the same with an eval after each add
//
// The two sides alternate trial by trial (Python runs as a server in a child process), so load
// from other processes hits both alike. Per case it reports the median and best wall time per op
// of each side, the median of the paired ratios ours/python (below 1: we are faster), and the
// median process CPU time per op. Prints JSON. Environment: BENCH_TRIALS (default 15).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import * as mx from '../dist/index.js';
import { benchPython } from './python-venv.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const trials = Number(process.env.BENCH_TRIALS ?? 15);
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

function runOurs(name, n) {
  const start = process.hrtime.bigint();
  const startCpu = process.cpuUsage();
  cases[name](n);
  const cpu = process.cpuUsage(startCpu);
  return { wall: Number(process.hrtime.bigint() - start) / n, cpu: ((cpu.user + cpu.system) * 1000) / n };
}

/** The Python side: a child process answering one JSON line per request line. */
function startPython(python) {
  const child = spawn(python, [join(here, 'op-overhead.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error('the Python benchmark process exited early');
    return JSON.parse(value);
  };
  return {
    info: next(),
    run(name, n) {
      child.stdin.write(`${JSON.stringify({ case: name, ops: n })}\n`);
      return next();
    },
    close: () => child.stdin.end(),
  };
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
const median = (v) => {
  const s = [...v].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const best = (v) => Math.min(...v);
const ratio = (x, y) => Number((x / y).toFixed(3));

const python = startPython(benchPython(repoRoot));
const pythonInfo = await python.info;
const results = [];
for (const name of Object.keys(cases)) {
  const n = ops[name];
  runOurs(name, Math.min(n, 2000)); // warm up (JIT, MLX's buffer cache)
  await python.run(name, Math.min(n, 2000));
  const ours = [];
  const theirs = [];
  for (let t = 0; t < trials; t++) {
    ours.push(runOurs(name, n));
    theirs.push(await python.run(name, n));
  }
  const wall = (side) => side.map((s) => s.wall);
  const cpu = (side) => side.map((s) => s.cpu);
  results.push({
    case: name,
    ops_per_trial: n,
    ours_ns_per_op: Math.round(median(wall(ours))),
    python_ns_per_op: Math.round(median(wall(theirs))),
    ratio: ratio(median(ours.map((o, i) => o.wall / theirs[i].wall)), 1),
    ours_best_ns_per_op: Math.round(best(wall(ours))),
    python_best_ns_per_op: Math.round(best(wall(theirs))),
    ratio_best: ratio(best(wall(ours)), best(wall(theirs))),
    ours_cpu_ns_per_op: Math.round(median(cpu(ours))),
    python_cpu_ns_per_op: Math.round(median(cpu(theirs))),
    ratio_cpu: ratio(median(cpu(ours)), median(cpu(theirs))),
  });
}
python.close();

const ourLibmlx = mapped('libmlx');
console.log(
  JSON.stringify(
    {
      benchmark: 'op-overhead',
      unit: 'ns per op; ratio = median of paired trials ours/python, ratio_best = best/best, ratio_cpu = median CPU time ratio',
      trials,
      load_average: loadavg().map((v) => Number(v.toFixed(2))),
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
