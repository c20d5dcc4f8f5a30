"""Shared helpers of the benchmark scripts: repeat, time, measure peak memory."""

import gc
import subprocess
import time
import tracemalloc
from pathlib import Path

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


def git_revision():
    """The commit benchmarked: ``<short hash>``, with "-dirty" for changed files.

    The tables and figures that benchmarks write (docs/benchmarks/) do not
    count as changes: a run rewrites them.
    """
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            [
                "git",
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                ".",
                ":(exclude)docs/benchmarks",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("-dirty" if changed else "")
