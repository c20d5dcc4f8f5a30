"""Shared helpers of the benchmark scripts: repeat, time, measure peak memory."""

import gc
import time
import tracemalloc

import numpy as np


def timeit(func, *, repeat=5):
    """Return ``(best, median)`` wall-clock seconds of ``func()`` over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times))


def peak_memory(func):
    """Peak bytes allocated (as traced by tracemalloc; numpy reports to it) by ``func()``."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def table(rows, columns):
    """Format ``rows`` (list of dicts) as a markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)
