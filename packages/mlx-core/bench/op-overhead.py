"""Host overhead per op of Python's mlx: the loops of op-overhead.mjs, timed the same way.

Runs as a server so that the two sides can alternate trial by trial: it first prints one JSON
line describing itself (mlx version, the libmlx and libblas it mapped), then for every request
line {"case": name, "ops": n} runs that loop n ops long and answers {"wall": ns/op, "cpu": ns/op}
(cpu: process CPU time over all threads, which other processes' load does not inflate).
"""

import json
import os
import sys
import time

import mlx.core as mx

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


CASES = {"build": build, "build_eval": build_eval, "scope100_build": scope_build, "scope100_eval": scope_eval}


def mapped(fragment):
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and fragment in os.path.basename(fields[5]):
                return fields[5]
    return None


def answer(payload):
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


answer({"version": mx.__version__, "libmlx": mapped("libmlx"), "libblas": mapped("libblas")})
for line in sys.stdin:
    request = json.loads(line)
    fn, n = CASES[request["case"]], request["ops"]
    start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
    fn(n)
    cpu = (time.process_time_ns() - start_cpu) / n
    answer({"wall": (time.perf_counter_ns() - start) / n, "cpu": cpu})
