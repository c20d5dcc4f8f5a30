"""Benchmark EpochResampler and EpochSampler (a script, not a test).

Measured in one run, best and median of ``--repeats``:

1. one epoch of indices, strategies "under" and "over", against a plain numpy
   per-class implementation (under: ``choice`` without replacement; over:
   ``tile`` + ``choice`` of the remainder; both shuffled). Targets: "over" at
   most 0.8x, "under" no slower than 0.63x (skweight 0.1.0 at 1e7);
2. against imbalanced-learn's RandomUnderSampler / RandomOverSampler on ``X``
   of 8 float32 columns: time and peak traced memory (tracemalloc) of
   ``fit_resample`` (target for "over": at most 0.6x), and of one epoch
   (indices plus the rows);
3. one epoch of ``EpochSampler(strategy="weights")`` against
   ``list(WeightedRandomSampler(...))`` (target: at least 5x faster), and
   against the limit of any sampler: a list of the same number of Python ints
   made from an epoch already drawn.

Usage::

    python benchmarks/bench_resample.py             # 1e6 rows
    python benchmarks/bench_resample.py --n 10000000
"""

import argparse
import statistics
import time
import tracemalloc

import numpy as np

from skweight import EpochResampler, GroupBalancedWeighter

SHARES = (0.80, 0.15, 0.05)


def timed(func, repeats):
    """Best and median wall time of ``func()`` over ``repeats`` runs (1 warm-up)."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def peak_memory(func):
    """Peak memory traced while running ``func()`` once, in MiB."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def row(name, best, median, ref=None, memory=None):
    text = f"  {name:<46} best {best * 1e3:9.1f} ms  median {median * 1e3:9.1f} ms"
    if ref is not None:
        text += f"  ratio {best / ref[0]:5.2f}x / {median / ref[1]:5.2f}x"
    if memory is not None:
        text += f"  peak {memory:8.1f} MiB"
    print(text)


class NumpyPerClass:
    """The plain numpy reference: per-class draws, concatenated, shuffled."""

    def __init__(self, y, seed):
        self.rows = [np.flatnonzero(y == c) for c in np.unique(y)]
        sizes = [r.size for r in self.rows]
        self.low, self.high = min(sizes), max(sizes)
        self.seed = seed

    def under(self, epoch):
        rng = np.random.default_rng([self.seed, epoch])
        idx = np.concatenate([rng.choice(r, self.low, replace=False) for r in self.rows])
        rng.shuffle(idx)
        return idx

    def over(self, epoch):
        rng = np.random.default_rng([self.seed, epoch])
        parts = []
        for r in self.rows:
            copies, rest = divmod(self.high, r.size)
            parts += [np.tile(r, copies), rng.choice(r, rest, replace=False)]
        idx = np.concatenate(parts)
        rng.shuffle(idx)
        return idx


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6, help="rows (default 1e6)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n, repeats = int(args.n), args.repeats
    rng = np.random.default_rng(args.seed)
    y = rng.choice(len(SHARES), size=n, p=SHARES).astype(np.int64)
    print(
        f"{n:,} rows, classes {np.bincount(y).tolist()}, {repeats} repeats (best / median)"
    )

    # 1. Epoch indices against plain numpy.
    reference = NumpyPerClass(y, args.seed)
    resamplers = {}
    print("\n1. One epoch of indices vs a numpy per-class implementation")
    for strategy in ("under", "over"):
        start = time.perf_counter()
        rs = EpochResampler(strategy, random_state=args.seed).fit(None, y)
        fit_time = time.perf_counter() - start
        resamplers[strategy] = rs
        epoch = iter(range(10**9))
        base = timed(lambda: getattr(reference, strategy)(next(epoch)), repeats)
        ours = timed(lambda: rs.epoch_indices(next(epoch)), repeats)
        print(
            f"  {strategy}: {rs.epoch_size_:,} indices per epoch "
            f"(fit once: {fit_time * 1e3:.1f} ms)"
        )
        row("numpy per class", *base)
        row(f"EpochResampler('{strategy}').epoch_indices", *ours, ref=base)

    # 2. Against imbalanced-learn, X of 8 float32 columns.
    try:
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.under_sampling import RandomUnderSampler
    except ImportError:
        print("\n2. imbalanced-learn is not installed: skipped")
    else:
        X = rng.normal(size=(n, 8)).astype(np.float32)
        size = X.nbytes / 2**20
        print(
            f"\n2. vs imbalanced-learn, X of 8 float32 columns ({size:.0f} MiB); "
            "peak = traced memory of one call"
        )
        for strategy, sampler in (
            ("under", RandomUnderSampler),
            ("over", RandomOverSampler),
        ):
            imb = sampler(random_state=args.seed)
            ours = EpochResampler(strategy, random_state=args.seed)
            rs = resamplers[strategy]
            epoch = iter(range(10**9))

            def one_epoch():
                return np.take(X, rs.epoch_indices(next(epoch)), axis=0)

            ref = timed(lambda: imb.fit_resample(X, y), repeats)
            row(
                f"{sampler.__name__}.fit_resample",
                *ref,
                memory=peak_memory(lambda: imb.fit_resample(X, y)),
            )
            row(
                f"EpochResampler('{strategy}').fit_resample",
                *timed(lambda: ours.fit_resample(X, y), repeats),
                ref=ref,
                memory=peak_memory(lambda: ours.fit_resample(X, y)),
            )
            row(
                "  a later epoch: take(X, epoch_indices(e))",
                *timed(one_epoch, repeats),
                ref=ref,
                memory=peak_memory(one_epoch),
            )
        X = None  # free it before section 3

    # 3. EpochSampler(strategy="weights") against WeightedRandomSampler.
    try:
        import torch
        from torch.utils.data import WeightedRandomSampler

        from skweight.torch import EpochSampler
    except ImportError:
        print("\n3. torch is not installed: skipped")
        return
    weights = GroupBalancedWeighter().fit_weight(None, y)
    print(
        "\n3. One epoch of a weighted sampler, list(sampler), "
        f"{n:,} draws (balanced class weights)"
    )
    generator = torch.Generator().manual_seed(args.seed)
    wrs = WeightedRandomSampler(
        torch.as_tensor(weights), num_samples=n, replacement=True, generator=generator
    )
    if n <= 2**24:
        ref = timed(lambda: list(wrs), repeats)
        row("list(WeightedRandomSampler)", *ref)
    else:
        ref = None
        print("  WeightedRandomSampler refuses more than 2**24 rows: skipped")
    start = time.perf_counter()
    sampler = EpochSampler(EpochResampler("weights", random_state=args.seed).fit(None, y))
    fit_time = time.perf_counter() - start
    print(f"  (EpochResampler('weights').fit once: {fit_time * 1e3:.1f} ms)")
    epoch = iter(range(10**9))

    def sampler_epoch():
        sampler.set_epoch(next(epoch))
        return list(sampler)

    ours = timed(sampler_epoch, repeats)
    row("list(EpochSampler('weights'))", *ours, ref=ref)
    # The limit of any sampler: the consumer's list of n Python ints, made
    # from an epoch already drawn (creating and freeing the ints).
    drawn = sampler.shard()
    limit = timed(lambda: list(drawn.tolist()), repeats)
    row("the limit: list(epoch.tolist()), epoch drawn", *limit)
    print(
        f"  of EpochSampler's best, {limit[0] / ours[0]:.0%} is the consumer's list "
        "of ints; the rest draws the epoch"
    )
    if ref is not None:
        print(
            f"  EpochSampler is {ref[0] / ours[0]:.1f}x (best) / "
            f"{ref[1] / ours[1]:.1f}x (median) faster"
        )
    _size_limit(torch, WeightedRandomSampler, EpochSampler)


def _size_limit(torch, WeightedRandomSampler, EpochSampler):
    """Find, by trying, where WeightedRandomSampler stops working."""
    print("\n4. The largest number of rows each sampler accepts (10 draws)")
    for rows in (2**24, 2**24 + 1):
        try:
            wrs = WeightedRandomSampler(torch.ones(rows, dtype=torch.float64), 10)
            list(wrs)
            verdict = "works"
        except RuntimeError as exc:
            verdict = f"fails: {str(exc).splitlines()[0][:70]}"
        print(f"  WeightedRandomSampler, {rows:,} rows: {verdict}")
    rows = 2**24 + 1
    resampler = EpochResampler("weights", n_samples=10, random_state=0)
    resampler.fit(None, (np.arange(rows) % 3 == 0).astype(np.int8))
    drawn = list(EpochSampler(resampler))
    print(
        f"  EpochSampler('weights'), {rows:,} rows: works ({len(drawn)} draws, "
        f"largest index {max(drawn):,})"
    )


if __name__ == "__main__":
    main()
