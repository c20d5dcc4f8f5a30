"""Benchmark weights on a dask cluster against pandas in one process (a script).

Writes a partitioned Parquet data set itself (a 3-class label, a 50-level
product category, a 2-level gender whose share differs by category, four
float32 features), then computes ``GroupBalancedWeighter(groups="gender",
strata="category", balance="joint").fit_weight`` two ways:

- **dask**: ``dd.read_parquet`` on a two-worker ``LocalCluster`` (worker
  processes, one thread each); the fit is one distributed count, the weights
  are written back to Parquet by the workers (nothing is collected);
- **pandas**: ``pd.read_parquet`` then ``fit_weight`` in one separate process.

It prints the wall time of each, the peak resident memory of each dask worker
(sampled every 50 ms) and of the pandas process, and checks that the weights
and the weight tables are equal. With ``--scales`` the data set is written at
several sizes (fractions of ``--n``) with the same partition size, to show
that a worker's peak memory is set by the partition size, not the data size.

Usage::

    python benchmarks/bench_dask.py                  # 1 and 5 million rows
    python benchmarks/bench_dask.py --n 50000000     # the issue's size
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skweight import GroupBalancedWeighter

N_CATEGORIES = 50
PARAMS = dict(groups="gender", strata="category", balance="joint")


def write_dataset(path, n, rows_per_partition, seed=0):
    """Write ``n`` rows as Parquet files of ``rows_per_partition`` rows each."""
    path.mkdir(parents=True)
    categories = np.array([f"c{i:02d}" for i in range(N_CATEGORIES)])
    popularity = np.random.default_rng(seed).zipf(1.5, N_CATEGORIES).astype(float)
    popularity /= popularity.sum()
    female_share = np.linspace(0.1, 0.9, N_CATEGORIES)
    for number, start in enumerate(range(0, n, rows_per_partition)):
        size = min(rows_per_partition, n - start)
        rng = np.random.default_rng([seed, number])
        cat = rng.choice(N_CATEGORIES, size, p=popularity)
        female = rng.random(size) < female_share[cat]
        label = np.minimum((rng.random(size) * (2.2 + female)).astype(np.int64), 2)
        frame = pd.DataFrame(
            {
                "category": categories[cat],
                "gender": np.where(female, "f", "m"),
                "label": label,
                **{f"x{j}": rng.normal(size=size).astype(np.float32) for j in range(4)},
            }
        )
        frame.to_parquet(path / f"part-{number:05d}.parquet", index=False)


def pandas_baseline(data, out):
    """Read everything with pandas and weight it in this process (run as a child)."""
    start = time.perf_counter()
    frame = pd.read_parquet(data)
    read = time.perf_counter() - start
    start = time.perf_counter()
    weighter = GroupBalancedWeighter(**PARAMS)
    weights = weighter.fit_weight(frame, frame["label"])
    compute = time.perf_counter() - start
    np.save(out / "pandas_weights.npy", weights)
    weighter.weight_table_.to_pickle(out / "pandas_table.pkl")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    json.dump(
        {"read": read, "weight": compute, "peak": peak}, open(out / "pandas.json", "w")
    )


class _MemoryPoller(threading.Thread):
    """Sample the resident memory of every worker process of a client."""

    def __init__(self, client, interval=0.05):
        super().__init__(daemon=True)
        self.client, self.interval = client, interval
        self.peak, self._done = {}, threading.Event()

    def run(self):
        while not self._done.is_set():
            for worker, rss in self.client.run(_rss).items():
                self.peak[worker] = max(self.peak.get(worker, 0), rss)
            time.sleep(self.interval)

    def stop(self):
        self._done.set()
        self.join()


def _rss():
    import psutil

    return psutil.Process().memory_info().rss


def dask_run(client, data, out):
    """Fit on the Parquet data set and write the weights back, on the cluster."""
    import dask.dataframe as dd

    client.run(lambda: __import__("gc").collect())
    idle = client.run(_rss)
    poller = _MemoryPoller(client)
    poller.start()
    start = time.perf_counter()
    frame = dd.read_parquet(data)
    weighter = GroupBalancedWeighter(**PARAMS)
    weights = weighter.fit_weight(frame, frame["label"])  # counts computed here
    fit = time.perf_counter() - start
    weights.to_frame().to_parquet(
        out / "dask_weights",
        write_index=False,
        name_function=lambda i: f"part-{i:05d}.parquet",
    )
    total = time.perf_counter() - start
    poller.stop()
    return {
        "fit": fit,
        "total": total,
        "idle": idle,
        "peak": poller.peak,
        "table": weighter.weight_table_,
        "partitions": frame.npartitions,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=5e6, help="rows at scale 1")
    parser.add_argument(
        "--scales",
        default="0.2,1",
        help="comma-separated fractions of --n to run (default 0.2,1)",
    )
    parser.add_argument("--rows-per-partition", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pandas-baseline", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.pandas_baseline:
        pandas_baseline(*map(Path, args.pandas_baseline))
        return

    import dask
    import distributed

    print(
        f"dask {dask.__version__}, distributed {distributed.__version__}, "
        f"pandas {pd.__version__}, {os.cpu_count()} CPUs; "
        f"GroupBalancedWeighter({', '.join(f'{k}={v!r}' for k, v in PARAMS.items())})"
    )
    cluster = distributed.LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    mib = 2**20
    try:
        for scale in map(float, args.scales.split(",")):
            n = int(args.n * scale)
            with tempfile.TemporaryDirectory() as tmp:
                tmp = Path(tmp)
                start = time.perf_counter()
                write_dataset(tmp / "data", n, args.rows_per_partition)
                size = sum(f.stat().st_size for f in (tmp / "data").iterdir())
                print(
                    f"\n{n:,} rows: wrote {size / mib:,.0f} MiB of Parquet in "
                    f"{time.perf_counter() - start:.1f} s"
                )
                subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--pandas-baseline",
                        str(tmp / "data"),
                        str(tmp),
                    ],
                    check=True,
                )
                base = json.load(open(tmp / "pandas.json"))
                run = dask_run(client, tmp / "data", tmp)
                expected = np.load(tmp / "pandas_weights.npy")
                got = pd.read_parquet(tmp / "dask_weights")["weight"].to_numpy()
                same_weights = np.array_equal(got, expected)
                same_table = run["table"].equals(pd.read_pickle(tmp / "pandas_table.pkl"))
            pandas_total = base["read"] + base["weight"]
            print(
                f"  pandas, one process: read {base['read']:6.2f} s + fit_weight "
                f"{base['weight']:6.2f} s = {pandas_total:6.2f} s; peak RSS "
                f"{base['peak'] / mib:7.0f} MiB"
            )
            print(
                f"  dask, {args.workers} workers x 1 thread, {run['partitions']} "
                f"partitions: fit {run['fit']:6.2f} s, fit + weights written "
                f"{run['total']:6.2f} s ({run['total'] / pandas_total:.2f}x pandas)"
            )
            for worker in sorted(run["peak"]):
                print(
                    f"    worker {worker}: peak RSS {run['peak'][worker] / mib:7.0f} MiB"
                    f" (idle {run['idle'][worker] / mib:5.0f} MiB)"
                )
            print(f"  equal weights: {same_weights}; equal weight_table_: {same_table}")
            if not (same_weights and same_table):
                raise SystemExit("dask and pandas results differ")
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
