#!/usr/bin/env python3
"""The card's memory bandwidth, measured in the bench's own run: the roofline's denominator.

A decode step reads every weight once, so its ceiling is bytes read per token over the bandwidth
the card reaches. Two measurements, each the best of ten timed passes after three warm-ups over
2 GiB (far past the L2): a device-to-device copy through PyTorch (bytes read + written) and a
sum through PyTorch (bytes read). The roofline uses the larger, so no engine looks closer to it
than the card allows. Prints one JSON line.
"""
import json
import time

import torch

n = 1 << 30  # bf16 values: 2 GiB
x = torch.empty(n, dtype=torch.bfloat16, device="cuda").normal_()
y = torch.empty_like(x)


def best(fn, bytes_moved):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(10):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return bytes_moved / min(times) / 1e12


copy_tbs = best(lambda: y.copy_(x), 4 * n)
read_tbs = best(lambda: x.sum(dtype=torch.float32), 2 * n)
print(json.dumps({"bandwidth": {"copy_tb_s": round(copy_tbs, 3), "read_tb_s": round(read_tbs, 3), "roofline_tb_s": round(max(copy_tbs, read_tbs), 3), "device": torch.cuda.get_device_name()}}))
