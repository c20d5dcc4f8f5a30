"""Benchmark: computing sample weights, skweight against the bare numpy pipeline and peers.

Data: n rows with a label (2 classes), a 50-level category, a 2-level gender and a
2-level race-like column, as int codes, Arrow-backed strings (pandas' ``str``) and
pandas Categoricals. Every figure
is measured in this run; ratios are skweight's time over the other's (below 1:
skweight is faster); peak memory is what tracemalloc traces during one call.

AIF360's ``Reweighing`` (optional; skipped with a message when absent) is compared on
one protected attribute, on two (gender x race: AIF360 compares one privileged
intersection against the pooled rest; skweight also balances the four intersections),
and on string and Categorical columns, where AIF360 needs numeric columns and a
``BinaryLabelDataset`` built first (both are timed: they are part of the call).

    python benchmarks/bench_weights.py            # 1e6 rows
    python benchmarks/bench_weights.py --n 10000000
"""

import argparse
import gc
import os
import platform
import sys

import numpy as np
import pandas as pd
import sklearn
from _baselines import ravel
from _timing import peak_memory, table, timeit
from sklearn.utils.class_weight import compute_sample_weight

import skweight
from skweight import GroupBalancedWeighter


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    category = rng.integers(0, 50, n)
    gender = (rng.random(n) < 0.2 + 0.6 * (category / 49)).astype(np.int64)
    label = (rng.random(n) < 0.1 + 0.2 * gender).astype(np.int64)
    race = (rng.random(n) < 0.85).astype(np.int64)  # drawn last: the rest is unchanged
    return category, gender, label, race


def numpy_joint(category, gender, label):
    """The practical limit: ravel (narrow arithmetic), bincount, factors, gather."""
    dims = (50, 2, 2)
    ids = ravel((category, gender, label), dims)
    counts = np.bincount(ids, minlength=200).reshape(50, 4).astype(np.float64)
    present = counts > 0
    factors = np.zeros_like(counts)
    totals = counts.sum(axis=1, keepdims=True)
    k = present.sum(axis=1, keepdims=True)
    factors[present] = np.broadcast_to(totals, counts.shape)[present] / (
        np.broadcast_to(k, counts.shape)[present] * counts[present]
    )
    return factors.ravel()[ids]


def arrow_then_numpy(category, gender, label):
    """The fastest codes of Arrow-backed strings: dictionary encoding."""
    import pyarrow.compute as pc

    codes = [
        pc.dictionary_encode(c.array.__arrow_array__()).chunk(0).indices.to_numpy()
        for c in (category, gender)
    ]
    return numpy_joint(*codes, label)


def pandas_groupby(frame):
    """The same joint weights with pandas groupby-transform."""
    keys = ["category", "gender", "label"]
    cell = frame.groupby(keys, observed=True)["label"].transform("size").to_numpy()
    by_stratum = frame.assign(cell=frame["gender"] * 2 + frame["label"]).groupby(
        "category", observed=True
    )["cell"]
    stratum = by_stratum.transform("size").to_numpy()
    n_cells = by_stratum.transform("nunique").to_numpy()
    return stratum / (n_cells * cell)


COLUMNS = [
    "columns",
    "skweight best (s)",
    "skweight median (s)",
    "against",
    "other best (s)",
    "other median (s)",
    "ratio (best)",
    "ratio (median)",
    "target",
    "skweight peak (MiB)",
    "other peak (MiB)",
]


def compare(
    columns,
    ours,
    against,
    other,
    *,
    repeat,
    other_repeat=None,
    target=None,
    other_times=None,
):
    """One table row: ``ours()`` against ``other()``, timed and traced side by side.

    ``other_times`` (with its peak) reuses a reference already measured in this run.
    """
    t = timeit(ours, repeat=repeat)
    if other_times is None:
        other_times = (timeit(other, repeat=other_repeat or repeat), peak_memory(other))
    (o, o_peak) = other_times
    return {
        "columns": columns,
        "skweight best (s)": f"{t[0]:.3f}",
        "skweight median (s)": f"{t[1]:.3f}",
        "against": against,
        "other best (s)": f"{o[0]:.3f}",
        "other median (s)": f"{o[1]:.3f}",
        "ratio (best)": f"{t[0] / o[0]:.2f}",
        "ratio (median)": f"{t[1] / o[1]:.2f}",
        "target": "" if target is None else f"<= {target}",
        "skweight peak (MiB)": f"{peak_memory(ours) / 2**20:.1f}",
        "other peak (MiB)": f"{o_peak / 2**20:.1f}",
    }, other_times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6, help="rows (default 1e6)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", help="also write the report to this markdown file")
    parser.add_argument(
        "--no-aif360",
        action="store_true",
        help="skip the AIF360 comparisons (slow at 1e7 rows)",
    )
    args = parser.parse_args(argv)
    n, repeat = int(args.n), args.repeat
    slow = max(2, repeat // 2)  # repeats of the slow peers
    category, gender, label, race = make_data(n)
    as_str = lambda a, p: np.array([f"{p}{i}" for i in range(a.max() + 1)], dtype=object)[a]  # noqa
    strings = pd.DataFrame(
        {
            "category": as_str(category, "c"),
            "gender": as_str(gender, "g"),
            "label": label,
            "race": as_str(race, "r"),
        }
    ).astype({"category": "str", "gender": "str", "race": "str"})  # pandas 3's default
    ints = pd.DataFrame(
        {"category": category, "gender": gender, "label": label, "race": race}
    )
    cats = strings.astype(
        {"category": "category", "gender": "category", "race": "category"}
    )

    def sk(frame):
        return GroupBalancedWeighter(
            groups="gender", strata="category", balance="joint"
        ).fit_weight(frame, frame["label"])

    expected = numpy_joint(category, gender, label)
    np.testing.assert_allclose(pandas_groupby(ints), expected, rtol=1e-12)
    for frame in (ints, strings, cats):
        np.testing.assert_allclose(sk(frame), expected, rtol=1e-12)

    rows = []
    base = fact = None
    for name, frame, target in (
        ("int codes", ints, 1.5),
        ("Categorical", cats, 1.5),
        ("strings", strings, 1.3),
    ):
        if name == "strings":
            row, fact = compare(
                name,
                lambda: sk(frame),
                "arrow dictionary_encode + numpy pipeline",
                lambda: arrow_then_numpy(strings["category"], strings["gender"], label),
                repeat=repeat,
                target=target,
                other_times=fact,
            )
        else:
            row, base = compare(
                name,
                lambda: sk(frame),
                "numpy pipeline",
                lambda: numpy_joint(category, gender, label),
                repeat=repeat,
                target=target,
                other_times=base,
            )
        rows.append(row)
    rows.append(
        compare(
            "int codes",
            lambda: sk(ints),
            "pandas groupby().transform('size')",
            lambda: pandas_groupby(ints),
            repeat=repeat,
            other_repeat=slow,
        )[0]
    )

    # Label only: against scikit-learn.
    rows.append(
        compare(
            "label only",
            lambda: GroupBalancedWeighter().fit_weight(None, label),
            "sklearn compute_sample_weight('balanced')",
            lambda: compute_sample_weight("balanced", label),
            repeat=repeat,
        )[0]
    )

    if not args.no_aif360:
        rows.extend(_aif360_rows(ints, strings, cats, repeat, slow))

    mem = peak_memory(lambda: sk(ints))
    report = "\n".join(
        [
            f"`python benchmarks/bench_weights.py --n {n} --repeat {repeat}"
            f"{' --no-aif360' if args.no_aif360 else ''}`: skweight "
            f"{skweight.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
            f"scikit-learn {sklearn.__version__}, {_aif360_version()}Python "
            f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
            f"n = {n:,} rows (label, 50-level category, 2-level gender, 2-level race; "
            "balance='joint' within category unless the row says otherwise). Best and "
            f"median of {repeat} runs ({slow} for pandas groupby and AIF360); ratio: "
            "skweight's time over the other's.",
            "",
            table(rows, COLUMNS),
            "",
            f"Peak memory of fit_weight on int codes: {mem / 8 / n:.2f} float64 arrays "
            "of n (target <= 4).",
        ]
    )
    print(report)
    if args.output:
        with open(args.output, "w") as fh:
            fh.write(report + "\n")
    return 0


def _aif360_version():
    try:
        from importlib.metadata import version

        return f"aif360 {version('aif360')}, "
    except Exception:  # noqa: BLE001 - not installed: the rows are skipped
        return ""


def _aif360_rows(ints, strings, cats, repeat, slow):
    import logging

    logging.getLogger().setLevel(logging.ERROR)  # AIF360 logs its missing extras
    try:
        from aif360.algorithms.preprocessing import Reweighing
        from aif360.datasets import BinaryLabelDataset
    except ImportError:
        print(
            "AIF360 is not installed: skipping the Reweighing comparison "
            "(pip install aif360).",
            file=sys.stderr,
        )
        return []
    gc.freeze()  # AIF360 imports many objects: keep timeit's gc.collect() cheap

    def dataset(frame, protected):
        return BinaryLabelDataset(
            df=frame[protected + ["label"]].astype(float),
            label_names=["label"],
            protected_attribute_names=protected,
        )

    def independence(frame, groups):
        return GroupBalancedWeighter(groups=groups, balance="independence").fit_weight(
            frame, frame["label"]
        )

    label = ints["label"].to_numpy()
    rows = []

    # One protected attribute, int codes; the dataset is built once, outside the timing.
    one = dataset(ints, ["gender"])
    rw_one = Reweighing(
        unprivileged_groups=[{"gender": 0}], privileged_groups=[{"gender": 1}]
    )
    np.testing.assert_allclose(
        independence(ints, "gender"), rw_one.fit_transform(one).instance_weights, rtol=1e-12
    )
    rows.append(
        compare(
            "1 protected attribute",
            lambda: independence(ints, "gender"),
            "AIF360 Reweighing",
            lambda: rw_one.fit_transform(one),
            repeat=repeat,
            other_repeat=slow,
        )[0]
    )

    # Two protected attributes. AIF360 reweighs one privileged intersection
    # (gender 1 and race 1) against the pooled rest: the same weights as skweight
    # on that indicator. skweight's own call balances all four intersections.
    two = dataset(ints, ["gender", "race"])
    rw_two = Reweighing(
        unprivileged_groups=[{"gender": 0}, {"race": 0}],
        privileged_groups=[{"gender": 1, "race": 1}],
    )

    def pooled():
        privileged = (ints["gender"].to_numpy() == 1) & (ints["race"].to_numpy() == 1)
        return GroupBalancedWeighter(balance="independence").fit_weight(
            None, label, sensitive_features=privileged
        )

    np.testing.assert_allclose(
        pooled(), rw_two.fit_transform(two).instance_weights, rtol=1e-12
    )
    row, aif_two = compare(
        "2 protected attributes, privileged intersection vs rest",
        pooled,
        "AIF360 Reweighing (2 attributes)",
        lambda: rw_two.fit_transform(two),
        repeat=repeat,
        other_repeat=slow,
    )
    rows.append(row)
    rows.append(
        compare(
            "2 protected attributes, 4 intersections (skweight)",
            lambda: independence(ints, ["gender", "race"]),
            "AIF360 Reweighing (2 attributes)",
            None,
            repeat=repeat,
            other_times=aif_two,
        )[0]
    )

    # String and Categorical columns: AIF360 needs numbers and a BinaryLabelDataset,
    # so the comparable call starts from the same frame and includes both steps.
    rw_str = Reweighing(
        unprivileged_groups=[{"gender": 0}], privileged_groups=[{"gender": 1}]
    )
    for name, frame in (("strings", strings), ("Categorical", cats)):

        def aif(frame=frame):
            coded = pd.DataFrame(
                {
                    "gender": (frame["gender"] == "g1").to_numpy(),
                    "label": frame["label"].to_numpy(),
                }
            )
            return rw_str.fit_transform(dataset(coded, ["gender"])).instance_weights

        np.testing.assert_allclose(independence(frame, "gender"), aif(), rtol=1e-12)
        rows.append(
            compare(
                f"1 protected attribute, {name}",
                lambda frame=frame: independence(frame, "gender"),
                "encode + BinaryLabelDataset + AIF360 Reweighing",
                aif,
                repeat=repeat,
                other_repeat=slow,
            )[0]
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
