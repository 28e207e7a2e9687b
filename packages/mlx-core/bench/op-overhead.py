"""Host overhead per op of Python's mlx: the same loops as op-overhead.mjs, timed the same way.

Usage: python op-overhead.py '<json config>'  ->  prints JSON {trials: {case: {wall, cpu}}} in ns per op
(cpu: process CPU time, all threads, which load from other processes on the machine does not inflate)
"""

import json
import os
import sys
import time

import mlx.core as mx

config = json.loads(sys.argv[1])
a = mx.ones((4, 4))
b = mx.ones((4, 4))
mx.eval(a, b)


def build(n):
    # Graph building only: one add node, freed right away.
    for _ in range(n):
        c = mx.add(a, b)
        del c


def build_eval(n):
    for _ in range(n):
        c = mx.add(a, b)
        mx.eval(c)
        del c


def scope_build(n):
    # Python has no tidy: 100 nodes held in a list, freed together.
    for _ in range(n // 100):
        held = [mx.add(a, b) for _ in range(100)]
        del held


def scope_eval(n):
    for _ in range(n // 100):
        held = []
        for _ in range(100):
            c = mx.add(a, b)
            mx.eval(c)
            held.append(c)
        del held


cases = {"build": build, "build_eval": build_eval, "scope100_build": scope_build, "scope100_eval": scope_eval}
out = {}
for name, fn in cases.items():
    n = config["ops"][name]
    fn(min(n, 2000))  # warm up
    wall, cpu = [], []
    for _ in range(config["trials"]):
        start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
        fn(n)
        cpu.append((time.process_time_ns() - start_cpu) / n)
        wall.append((time.perf_counter_ns() - start) / n)
    out[name] = {"wall": wall, "cpu": cpu}


def mapped(fragment):
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if fragment in os.path.basename(path):
                return path
    return None


print(json.dumps({"trials": out, "version": mx.__version__, "libmlx": mapped("libmlx"), "libblas": mapped("libblas")}))
