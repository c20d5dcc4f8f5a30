"""Benchmark: high-cardinality keys (ids, user x item) against the fastest pipeline.

Keys as users have them: ids with a million distinct values up to 1e12, a
user x item product of 1e9 combinations of which few occur, polars strings
beside unrelated ``Categorical`` columns. Each case is timed and its peak
memory measured, each in a process of its own, for skweight and for the
fastest known pipeline for that input:

1. codes per key column: small non-negative integers are their own codes;
   other integers are factorized by whichever of hashing
   (``pandas.factorize``) and a packed sort (each value packed with its row
   number into one 64-bit key, sorted with ``numpy.sort``, the CPU's vector
   sort) is faster on that column, timed before the runs and reported;
   anything else is hashed; polars strings take arrow's
   ``dictionary_encode`` (for a million distinct strings it is faster than
   polars' own ``cast(Categorical).to_physical()``: 0.74 s against 1.19 s
   for 1e7 rows here);
2. the stratum columns combined into one stratum id, factorized again when
   the product of their code ranges exceeds the rows (what a group-by engine
   does when its group index would overflow);
3. stratum x group x label cells counted with ``bincount`` over a dense
   ``(n_strata, units)`` table, the factor of each cell
   (``N_s / (K_s n_c)``, scikit-learn's "balanced" within each stratum) and
   one gather.

Both sides must give the same weights (checked first). A last case times
``partial_fit`` of a 1e4-row chunk onto the table of the full fit: the first
chunk and the median of the next ones,
over the full fit's best time of three. Times are taken with skweight and
the pipeline running in turns in one process, after a warm-up run of each;
peak memory is tracemalloc's (numpy reports its buffers to it), each side in
a process of its own.

    python benchmarks/bench_keys.py --n 1e7 --output docs/benchmarks/keys.md
"""

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
from _timing import git_revision

# case -> (what it is, time target, memory target)
CASES = {
    "ids": (
        "1e6 distinct int64 ids (up to 1e12) as strata x 2 groups x 2 labels, "
        "balance='joint'",
        1.3,
        1.3,
    ),
    "user_item": (
        "1e6 user ids x 1e3 item ids (product 1e9) as strata x 2 labels, balance='label'",
        1.5,
        1.5,
    ),
    "polars": (
        "polars String ids (1e6 distinct) x 2 groups x 2 labels, 'joint', "
        "with 2e6 unrelated Categorical values alive",
        1.5,
        1.5,
    ),
}
CHUNK = 10_000
PARTIAL_TARGET = 0.05


def make(case, n, seed=0):
    """The key columns of ``case``: (strata, groups, label) as numpy arrays."""
    rng = np.random.default_rng(seed)
    n_ids = max(n // 10, 1)
    if case == "user_item":
        users = rng.choice(10**12, n_ids, replace=False)
        items = rng.choice(10**9, 1000, replace=False)
        strata = {
            "user": users[rng.integers(0, n_ids, n)],
            "item": items[rng.integers(0, 1000, n)],
        }
        return strata, {}, rng.integers(0, 2, n)
    ids = rng.choice(10**12, n_ids, replace=False)[rng.integers(0, n_ids, n)]
    if case == "polars":
        ids = np.char.add("user", ids.astype(str)).astype(object)
    return {"id": ids}, {"g": rng.integers(0, 2, n)}, rng.integers(0, 2, n)


def _hashed(values):
    codes, uniques = pd.factorize(values)
    return codes, len(uniques)


def _packed_sort(values):
    """Codes by one sort of (value, row) packed into 64 bits, or None if they do not fit."""
    n = values.size
    if values.dtype.kind not in "iu" or n < 2:
        return None
    low, high = int(values.min()), int(values.max())
    shift = int(n - 1).bit_length()
    if (high - low).bit_length() + shift > 64:
        return None
    keys = values.astype(np.uint64)
    keys -= np.uint64(low % (1 << 64))
    keys <<= np.uint64(shift)
    keys |= np.arange(n, dtype=np.uint64)
    keys.sort()
    rows = np.bitwise_and(keys, np.uint64((1 << shift) - 1)).view(np.int64)
    keys >>= np.uint64(shift)
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=new[1:])
    numbers = np.cumsum(new, dtype=np.int64)
    numbers -= 1
    codes = np.empty(n, dtype=np.int64)
    codes[rows] = numbers
    return codes, int(numbers[-1]) + 1 if n else 0


def fastest_factorize(values, repeat=3):
    """Time hashing and the packed sort on ``values``: (the faster, both times)."""
    times = {}
    for name, func in (("hash", _hashed), ("packed sort", _packed_sort)):
        best = float("inf")
        for _ in range(repeat):
            gc.collect()
            start = time.perf_counter()
            if func(values) is None:
                break
            best = min(best, time.perf_counter() - start)
        times[name] = best
    faster = _hashed if times["hash"] <= times["packed sort"] else _packed_sort
    return faster, times


def _small_ints(values):
    return bool(
        values.dtype.kind in "iu"
        and values.size
        and values.min() >= 0
        and values.max() < 2 * values.size
    )


def _codes(values, factorize=_hashed):
    """Codes and their range: small non-negative ints as they are, else factorized."""
    if _small_ints(values):
        return values, int(values.max()) + 1
    return factorize(values)


def factorizers_for(columns):
    """The faster factorization of each integer column that is not its own codes.

    Returns ``(factorizers, times)``: the function per column name, and the
    times of both ways per column (for the report).
    """
    chosen, times = {}, {}
    for name, values in columns.items():
        values = np.asarray(values)
        if values.dtype.kind in "iu" and not _small_ints(values):
            chosen[name], times[name] = fastest_factorize(values)
    return chosen, times


def _combine(codes, dims, n_rows):
    """One id per combination; factorized when the product exceeds the rows.

    Codes are combined while the product of their ranges fits in 62 bits
    (compressed first when it would not); the combined key is factorized once,
    at the end, when its range is more than twice the rows.
    """
    key, size = codes[0].astype(np.int64), dims[0]
    for c, d in zip(codes[1:], dims[1:]):
        if size * d >= 1 << 62:  # would overflow: compress first
            key, uniques = pd.factorize(key)
            size = len(uniques)
        key *= d
        key += c
        size *= d
    if size > 2 * n_rows:
        key, uniques = pd.factorize(key)
        size = len(uniques)
    return key, size


def _per_stratum(counts):
    """Rows and units present per stratum of a ``(n_strata, n_units)`` table.

    Few units: summed column by column (numpy's reductions along a short last
    axis are several times slower than adding its columns).
    """
    if counts.shape[1] > 8:
        return counts.sum(axis=1), np.count_nonzero(counts, axis=1)
    totals = counts[:, 0].copy()
    present = (counts[:, 0] != 0).astype(np.int64)
    for j in range(1, counts.shape[1]):
        totals += counts[:, j]
        present += counts[:, j] != 0
    return totals, present


def baseline(strata, groups, label, *, codes=None, factorizers=None):
    """The fastest known pipeline: returns one weight per row.

    ``factorizers``: the factorization of each named key column (default:
    hashing).
    """
    named = {**strata, **groups, None: label}
    chosen = factorizers or {}
    coded = (
        codes
        if codes is not None
        else [_codes(np.asarray(c), chosen.get(k, _hashed)) for k, c in named.items()]
    )
    n = len(label)
    n_s = len(strata)
    s, n_strata = _combine([c for c, _ in coded[:n_s]], [d for _, d in coded[:n_s]], n)
    unit_codes, unit_dims = [c for c, _ in coded[n_s:]], [d for _, d in coded[n_s:]]
    unit, n_units = _combine(unit_codes, unit_dims, n) if unit_codes else (0, 1)
    cell = s * n_units
    cell += unit
    counts = np.bincount(cell, minlength=n_strata * n_units).reshape(n_strata, n_units)
    totals, present = _per_stratum(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = totals[:, None] / (present[:, None] * counts)
    return factor.ravel()[cell]


def _polars_frame(strata, groups, label):
    import polars as pl

    return pl.DataFrame(
        {
            **{k: pl.Series(v, dtype=pl.String) for k, v in strata.items()},
            **groups,
            "y": label,
        }
    )


def run_ours(case, strata, groups, label):
    from skweight import GroupBalancedWeighter

    balance = "label" if case == "user_item" else "joint"
    est = GroupBalancedWeighter(
        groups=list(groups) or None, strata=list(strata), balance=balance
    )
    if case == "polars":
        frame = _polars_frame(strata, groups, label)
        return lambda: est.fit_weight(frame, "y")
    frame = pd.DataFrame({**strata, **groups})
    return lambda: est.fit_weight(frame, label)


def run_baseline(case, strata, groups, label, factorizers=None):
    if case != "polars":
        return lambda: baseline(strata, groups, label, factorizers=factorizers)
    import pyarrow as pa
    import pyarrow.compute as pc

    frame = _polars_frame(strata, groups, label)

    def pipeline():
        physical = pc.dictionary_encode(frame["id"].to_arrow())
        if isinstance(physical, pa.ChunkedArray):
            physical = physical.combine_chunks()
        physical = physical.indices.to_numpy(zero_copy_only=False)
        codes = [
            _codes(physical),
            _codes(frame["g"].to_numpy()),
            _codes(frame["y"].to_numpy()),
        ]
        return baseline({"id": None}, {"g": None}, frame["y"].to_numpy(), codes=codes)

    return pipeline


def child(case, impl, what, n, repeat):
    """Run in a process of its own: times, peak bytes or the weights check.

    Times: skweight and the pipeline take turns in this process, each after
    one untimed warm-up run, so both meet the same machine state (the first
    touch of fresh memory costs more than any later run on this machine).
    """
    warnings.simplefilter("ignore")
    alive = None
    if case == "polars":  # unrelated Categoricals: large global codes
        import polars as pl

        alive = pl.Series([f"other{i}" for i in range(2_000_000)]).cast(pl.Categorical)
    strata, groups, label = make(case, n)
    if what == "memory":
        func = (run_ours if impl == "skweight" else run_baseline)(
            case, strata, groups, label
        )
        tracemalloc.start()
        func()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {"peak": peak}
    if what == "check":
        ours = run_ours(case, strata, groups, label)()
        theirs = run_baseline(case, strata, groups, label)()
        same = bool(np.allclose(ours, theirs, rtol=1e-12))
        if case == "polars":  # the same weights as pandas
            pandas = run_ours("ids", {"id": strata["id"]}, groups, label)()
            same = same and bool(np.array_equal(ours, pandas))
        return {"same": same}
    factorizers, factorize_times = None, {}
    if case != "polars":  # integer ids: the faster factorization of each column
        factorizers, factorize_times = factorizers_for({**strata, **groups})
    funcs = {
        "skweight": run_ours(case, strata, groups, label),
        "pipeline": run_baseline(case, strata, groups, label, factorizers),
    }
    times = {name: [] for name in funcs}
    for round_ in range(repeat + 1):
        for name, func in funcs.items():
            gc.collect()
            start = time.perf_counter()
            func()
            if round_:  # round 0 warms up
                times[name].append(time.perf_counter() - start)
    del alive
    return {
        **{
            name: {"best": min(t), "median": statistics.median(t)}
            for name, t in times.items()
        },
        "factorize": factorize_times,
    }


def partial_child(n):
    """Fit on ``n`` id rows, then time partial_fit of chunks of CHUNK rows."""
    warnings.simplefilter("ignore")
    from skweight import GroupBalancedWeighter

    strata, groups, label = make("ids", n)
    frame = pd.DataFrame({**strata, **groups})
    fits = []
    for _ in range(3):  # the best of 3 fits (as the cases above): the first warms up
        est = GroupBalancedWeighter(groups="g", strata="id", balance="joint")
        gc.collect()
        start = time.perf_counter()
        est.fit(frame, label)
        fits.append(time.perf_counter() - start)
    full = min(fits)
    rng = np.random.default_rng(1)
    times = []
    for _ in range(6):
        rows = rng.integers(0, n, CHUNK)
        chunk = frame.iloc[rows].assign(
            id=lambda f: np.where(
                rng.random(CHUNK) < 0.3, rng.integers(0, 10**12, CHUNK), f["id"]
            )
        )
        start = time.perf_counter()
        est.partial_fit(chunk, rng.integers(0, 2, CHUNK))
        times.append(time.perf_counter() - start)
    return {
        "full": full,
        "first": times[0],
        "next": statistics.median(times[1:]),
        "cells": int(est.n_cells_),
    }


def spawn(*args):
    out = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.abspath(__file__)),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(n, repeat):
    lines = [
        f"`python benchmarks/bench_keys.py --n {n:.0e}` at commit {git_revision()} on "
        f"{platform.platform()}, {os.cpu_count()} CPUs, {n:,} rows. Time: best / "
        f"median of {repeat} runs, skweight and the pipeline taking turns in one "
        "process after a warm-up run of each; memory: tracemalloc's peak, each in a "
        "process of its own (the pipeline hashing its ids: its smaller-memory route). "
        "Ratio: skweight over the fastest pipeline (below 1: skweight is faster).",
        "",
        "| case | skweight time (s) | pipeline time (s) | time ratio | target | "
        "skweight peak (MiB) | pipeline peak (MiB) | memory ratio | target | same "
        "weights |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    factorizing = []
    for case, (what, t_target, m_target) in CASES.items():
        same = spawn(case, "both", "check", n, 1)["same"]
        timed = spawn(case, "both", "time", n, repeat)
        for column, both in timed["factorize"].items():
            hashed, packed = both["hash"], both["packed sort"]
            factorizing.append(
                f"| {case} | {column} | {hashed:.3f} | {packed:.3f} | "
                f"{'hash' if hashed <= packed else 'packed sort'} |"
            )
        ours, theirs = timed["skweight"], timed["pipeline"]
        m_ours = spawn(case, "skweight", "memory", n, 1)["peak"]
        m_theirs = spawn(case, "pipeline", "memory", n, 1)["peak"]
        lines.append(
            f"| {what} | {ours['best']:.2f} / {ours['median']:.2f} | {theirs['best']:.2f} / "
            f"{theirs['median']:.2f} | {ours['best'] / theirs['best']:.2f} / "
            f"{ours['median'] / theirs['median']:.2f} | <= {t_target} | "
            f"{m_ours / 2**20:,.0f} | {m_theirs / 2**20:,.0f} | {m_ours / m_theirs:.2f} | "
            f"<= {m_target} | {'yes' if same else 'NO'} |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        "The pipeline's factorization of each integer key column that is not its "
        "own codes, best of 3 (s): it uses the faster for each. skweight numbers "
        "many scattered ids by a packed sort (its codes then come in the sorted "
        "order it keeps the levels in) and hashes the others; hashing gives codes "
        "in order of appearance, which the pipeline does not mind.",
        "",
        "| case | column | hash | packed sort | pipeline uses |",
        "|---|---|---|---|---|",
        *factorizing,
    ]
    part = spawn("partial", "skweight", "time", n, 1)
    lines += [
        "",
        f"`partial_fit` of a {CHUNK:,}-row chunk (30% new ids) onto the table of "
        f"the full fit ({part['cells']:,} cells after the chunks), over that fit's "
        "best time of three in the same process (target: at most "
        f"{PARTIAL_TARGET:.0%}):",
        "",
        "| full fit (s) | first chunk (s) | next chunks, median (s) | first / full | "
        "next / full |",
        "|---|---|---|---|---|",
        f"| {part['full']:.2f} | {part['first']:.3f} | {part['next']:.4f} | "
        f"{part['first'] / part['full']:.1%} | {part['next'] / part['full']:.2%} |",
        "",
        "The cells of the fit are stored with room for the next chunks' cells "
        "(appended without copying the table) and, stored sorted, are searched "
        "where they are (nothing is packed or sorted); integer ids are searched "
        "among their sorted levels. A chunk costs its own rows and the cells it "
        "adds.",
    ]
    print("\n".join(lines[-7:]), flush=True)
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e7, help="rows (default 1e7)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", help="also write the report to this markdown file")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        case, impl, what, n, repeat = args.child
        result = (
            partial_child(int(float(n)))
            if case == "partial"
            else child(case, impl, what, int(float(n)), int(repeat))
        )
        print(json.dumps(result))
        return
    text = "# High-cardinality keys\n\n" + report(int(args.n), args.repeat)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
