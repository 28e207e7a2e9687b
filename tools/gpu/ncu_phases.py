"""Splits an Nsight Compute CSV (one row per kernel, gpu__time_duration.sum) at the marker kernels
(the scan of a cumsum) into phases and prints, per phase, the kernel count, the device time and the
kernels that take the most of it. Usage: ncu_phases.py FILE.csv LABEL"""
import csv, json, sys, collections

rows = []
with open(sys.argv[1]) as f:
    lines = list(f)
# The program's own output and ncu's notes come before the header.
lines = lines[next(i for i, l in enumerate(lines) if l.startswith('"ID"')):]
for r in csv.DictReader(lines):
    if r.get('Metric Name') != 'gpu__time_duration.sum':
        continue
    unit = r.get('Metric Unit', 'nsecond')
    v = float(r['Metric Value'].replace(',', ''))
    us = v / 1000 if unit.startswith('n') else v if unit.startswith('u') else v * 1000
    rows.append((r['Kernel Name'], us, r.get('Grid Size', ''), r.get('Block Size', '')))
marks = [i for i, r in enumerate(rows) if 'scan' in r[0].lower() or 'cumsum' in r[0].lower()]
out = {"label": sys.argv[2], "kernels": len(rows), "markers": len(marks)}
# The markers open: prefill (which also holds the last-token pass), decode ×2, batch prefill, decode ×2.
bounds = marks + [len(rows)]
labels = ['prefill', 'decode1', 'decode1b', 'batch_prefill', 'decode32', 'decode32b']
for j, start in enumerate(marks):
    seg = rows[start + 1: bounds[j + 1]]
    agg = collections.defaultdict(lambda: [0, 0.0])
    for name, us, *_ in seg:
        key = name[:90]
        agg[key][0] += 1; agg[key][1] += us
    top = sorted(agg.items(), key=lambda kv: -kv[1][1])[:14]
    out[labels[j] if j < len(labels) else f'phase{j}'] = {
        "count": len(seg), "device_ms": round(sum(r[1] for r in seg) / 1000, 3),
        "top": [[k, c, round(t, 1)] for k, (c, t) in top]}
print(json.dumps(out))
