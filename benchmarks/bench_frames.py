"""Benchmark: fit_weight on every input type against its fastest baseline.

The problem of issue 10: a label of 5 classes, a 50-level category and a
2-level gender, ``balance="joint"`` within category. For each input type the
baseline is the fastest known way to get the same integer codes *in that
library* plus the bare numpy pipeline (``ravel_multi_index`` computed in the
narrowest unsigned type, ``bincount``, factors of the small table, gather):

=============================  ==============================================
input                          baseline codes
=============================  ==============================================
int codes (pandas int64)       the values themselves
pandas ``Categorical``         ``Series.cat.codes``
pandas ``str`` (arrow)         ``pyarrow.compute.dictionary_encode``
polars ``String``              ``cast(pl.Categorical).to_physical()``
polars ``Categorical``         ``to_physical()``
``pyarrow.Table`` (strings)    ``pyarrow.compute.dictionary_encode``
=============================  ==============================================

For polars ``String`` columns of few values (these have six and two), the cast
to ``Categorical`` is the fastest route (0.11 s against arrow's
``dictionary_encode`` 0.17 s for 1e7 rows here); for ids of many values arrow's
is faster, which ``bench_keys.py`` uses.

The fixed cost, a call on ``FIXED_N`` (100) rows, is timed for every input
type too (target: under 0.3 ms for int codes and pandas ``Categorical``).

polars ``Categorical`` is also timed against polars' own way to the same
weights (``pl.len().over(...)``, all in polars). Every comparison first checks
that both give the same weights. Ratios are skweight's time over the
baseline's, best and median of ``--repeat`` runs, interleaved.

    python benchmarks/bench_frames.py --n 1e5 1e6 1e7 --output docs/benchmarks/frames.md
"""

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import timeit

import numpy as np
import pandas as pd
from _baselines import ravel
from _timing import git_revision

import skweight
from skweight import GroupBalancedWeighter

N_CATEGORIES, N_GENDERS, N_CLASSES = 50, 2, 5
FIXED_N, FIXED_TARGET_MS = 100, 0.3
TARGETS = {
    "int codes": 1.3,
    "pandas Categorical": 1.3,
    "pandas str (arrow)": 1.3,
    "polars String": 1.3,
    "polars Categorical": 1.3,
    "pyarrow Table": 1.3,
}


def make_codes(n, seed=0):
    rng = np.random.default_rng(seed)
    category = rng.integers(0, N_CATEGORIES, n)
    gender = (rng.random(n) < 0.2 + 0.6 * (category / (N_CATEGORIES - 1))).astype(np.int64)
    label = rng.integers(0, N_CLASSES, n)
    return category, gender, label


def numpy_pipeline(category, gender, label, dims=None):
    """The bare pipeline on integer codes: ravel (narrow arithmetic), bincount,
    joint factors, gather."""
    if dims is None:
        dims = (int(category.max()) + 1, int(gender.max()) + 1, N_CLASSES)
    ids = ravel((category, gender, label), dims)
    counts = np.bincount(ids, minlength=int(np.prod(dims))).reshape(dims[0], -1)
    counts = counts.astype(np.float64)
    present = counts > 0
    totals = counts.sum(axis=1, keepdims=True)
    k = present.sum(axis=1, keepdims=True)
    factors = np.divide(totals, k * counts, out=np.zeros_like(counts), where=present)
    return factors.ravel()[ids]


def arrow_codes(array):
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):
        indices = pa.chunked_array([c.indices for c in encoded.chunks])
        return indices.to_numpy()
    return encoded.indices.to_numpy()


def polars_own(frame):
    """Joint weights in polars alone: counts over windows."""
    import polars as pl

    return frame.select(
        (
            pl.len().over("category")
            / (
                pl.struct("gender", "label").n_unique().over("category")
                * pl.len().over(["category", "gender", "label"])
            )
        ).alias("w")
    )["w"].to_numpy()


def timed_pair(ours, theirs, repeat):
    """Best and median of both, the runs interleaved so that load hits both."""
    a, b = [], []
    ours(), theirs()
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        ours()
        a.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        theirs()
        b.append(time.perf_counter() - start)
    return (min(a), statistics.median(a)), (min(b), statistics.median(b))


def cases(n):
    """``(input, skweight call, baseline name, baseline call)`` per input type."""
    category, gender, label = make_codes(n)
    names = np.array([f"category_{i:02d}" for i in range(N_CATEGORIES)], dtype=object)
    genders = np.array(["female", "male"], dtype=object)
    ints = pd.DataFrame({"category": category, "gender": gender})
    out = []

    def weigh(frame):
        return lambda: GroupBalancedWeighter(
            groups="gender", strata="category", balance="joint"
        ).fit_weight(frame, label)

    out.append(
        (
            "int codes",
            weigh(ints),
            "numpy pipeline",
            lambda: numpy_pipeline(
                ints["category"].to_numpy(), ints["gender"].to_numpy(), label
            ),
        )
    )
    cats = pd.DataFrame(
        {
            "category": pd.Categorical.from_codes(category, names),
            "gender": pd.Categorical.from_codes(gender, genders),
        }
    )
    out.append(
        (
            "pandas Categorical",
            weigh(cats),
            "cat.codes + numpy pipeline",
            lambda: numpy_pipeline(
                cats["category"].cat.codes.to_numpy(),
                cats["gender"].cat.codes.to_numpy(),
                label,
            ),
        )
    )
    strs = pd.DataFrame(
        {
            "category": pd.array(names[category], dtype="str"),
            "gender": pd.array(genders[gender], dtype="str"),
        }
    )
    out.append(
        (
            "pandas str (arrow)",
            weigh(strs),
            "arrow dictionary_encode + numpy pipeline",
            lambda: numpy_pipeline(
                arrow_codes(strs["category"].array.__arrow_array__()),
                arrow_codes(strs["gender"].array.__arrow_array__()),
                label,
            ),
        )
    )
    try:
        import polars as pl
    except ImportError:
        print("polars is not installed: its rows are skipped", file=sys.stderr)
    else:
        pstr = pl.DataFrame(
            {"category": names[category].astype(str), "gender": genders[gender].astype(str)}
        )

        def polars_codes(frame):
            return [
                frame[c].cast(pl.Categorical).to_physical().to_numpy()
                for c in ("category", "gender")
            ]

        out.append(
            (
                "polars String",
                weigh(pstr),
                "cast(Categorical).to_physical + numpy",
                lambda: numpy_pipeline(*polars_codes(pstr), label),
            )
        )
        pcat = pstr.with_columns(pl.all().cast(pl.Categorical))
        out.append(
            (
                "polars Categorical",
                weigh(pcat),
                "to_physical + numpy pipeline",
                lambda: numpy_pipeline(
                    pcat["category"].to_physical().to_numpy(),
                    pcat["gender"].to_physical().to_numpy(),
                    label,
                ),
            )
        )
        with_label = pcat.with_columns(label=pl.Series(label))
        out.append(
            (
                "polars Categorical",
                weigh(pcat),
                "polars pl.len().over(cells)",
                lambda: polars_own(with_label),
            )
        )
    import pyarrow as pa

    table = pa.table(
        {
            "category": pa.array(names[category].astype(str)),
            "gender": pa.array(genders[gender].astype(str)),
        }
    )
    out.append(
        (
            "pyarrow Table",
            weigh(table),
            "arrow dictionary_encode + numpy pipeline",
            lambda: numpy_pipeline(
                arrow_codes(table.column("category")),
                arrow_codes(table.column("gender")),
                label,
            ),
        )
    )
    return out


def timed_calls(ours, theirs, repeat, number=100):
    """Per-call best and median over ``repeat`` blocks of ``number`` calls
    (warm, as in a loop of fits), the blocks interleaved."""
    a, b = [], []
    for _ in range(repeat):
        a.append(timeit.timeit(ours, number=number) / number)
        b.append(timeit.timeit(theirs, number=number) / number)
    return (min(a), statistics.median(a)), (min(b), statistics.median(b))


def fixed_costs(repeat):
    """Table rows: the time of one call on ``FIXED_N`` rows, per input type."""
    lines = [
        "| input | skweight best / median (ms) | baseline | baseline best / median "
        "(ms) | target |",
        "|---|---|---|---|---|",
    ]
    for name, ours, against, theirs in cases(FIXED_N):
        np.testing.assert_allclose(ours(), theirs(), rtol=1e-9)
        (ob, om), (tb, tm) = timed_calls(ours, theirs, repeat)
        target = (
            f"< {FIXED_TARGET_MS} ms" if name in ("int codes", "pandas Categorical") else ""
        )
        lines.append(
            f"| {name} | {ob * 1e3:.3f} / {om * 1e3:.3f} | {against} | "
            f"{tb * 1e3:.3f} / {tm * 1e3:.3f} | {target} |"
        )
        print(lines[-1], flush=True)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n",
        type=float,
        nargs="+",
        default=[1e5, 1e6],
        help="row counts (default 1e5 1e6)",
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--output", help="also write the report to this markdown file")
    args = parser.parse_args(argv)
    lines = [
        "| rows | input | baseline | skweight best / median (ms) | "
        "baseline best / median (ms) | ratio best / median | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for n in map(int, args.n):
        repeat = args.repeat if n <= 10**6 else max(3, args.repeat // 2)
        for name, ours, against, theirs in cases(n):
            np.testing.assert_allclose(ours(), theirs(), rtol=1e-9)
            (ob, om), (tb, tm) = timed_pair(ours, theirs, repeat)
            target = TARGETS.get(name) if "numpy" in against else None
            if n <= 10**5 and target is not None:
                target = 2.0
            lines.append(
                f"| {n:.0e} | {name} | {against} | {ob * 1e3:.2f} / {om * 1e3:.2f} | "
                f"{tb * 1e3:.2f} / {tm * 1e3:.2f} | {ob / tb:.2f} / {om / tm:.2f} | "
                f"{'' if target is None else f'<= {target}'} |"
            )
            print(lines[-1], flush=True)
    fixed = fixed_costs(args.repeat)
    versions = (
        f"skweight {skweight.__version__}, numpy {np.__version__}, pandas {pd.__version__}"
    )
    for module in ("polars", "pyarrow"):
        try:
            versions += f", {module} {__import__(module).__version__}"
        except ImportError:
            pass
    command = " ".join(
        [
            "python",
            "benchmarks/bench_frames.py",
            *(argv if argv is not None else sys.argv[1:]),
        ]
    )
    report = "\n".join(
        [
            f"`{command}` at commit {git_revision()} on {platform.platform()}, "
            f"{os.cpu_count()} CPUs "
            f"({versions}). Label of {N_CLASSES} classes, {N_CATEGORIES}-level category, "
            f"{N_GENDERS}-level gender, balance='joint' within category; ratio = "
            "skweight's time over the baseline's (below 1: skweight is faster); runs "
            "interleaved. Targets: <= 1.3x at 1e6 and 1e7, <= 2x at 1e5.",
            "",
            *lines,
            "",
            f"The fixed cost: one call on {FIXED_N} rows (the same problem), per call over "
            "blocks of 100 calls in a loop.",
            "",
            *fixed,
            "",
        ]
    )
    if args.output:
        with open(args.output, "w") as fh:
            fh.write(report)
    print(report)


if __name__ == "__main__":
    main()
