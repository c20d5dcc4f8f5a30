"""Benchmark: computing sample weights, skweight against the bare numpy pipeline and peers.

Data: n rows with a label (2 classes), a 50-level category and a 2-level gender, as
int codes, strings and pandas Categoricals. Every figure is measured in this run;
ratios are skweight's time over the other's (below 1: skweight is faster).

    python benchmarks/bench_weights.py            # 1e6 rows
    python benchmarks/bench_weights.py --n 10000000
"""

import argparse
import os
import platform
import sys

import numpy as np
import pandas as pd
import sklearn
from sklearn.utils.class_weight import compute_sample_weight

from _timing import peak_memory, table, timeit

import skweight
from skweight import GroupBalancedWeighter


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    category = rng.integers(0, 50, n)
    gender = (rng.random(n) < 0.2 + 0.6 * (category / 49)).astype(np.int64)
    label = (rng.random(n) < 0.1 + 0.2 * gender).astype(np.int64)
    return category, gender, label


def numpy_joint(category, gender, label):
    """The practical limit: ravel_multi_index, bincount, factors, gather."""
    dims = (50, 2, 2)
    ids = np.ravel_multi_index((category, gender, label), dims)
    counts = np.bincount(ids, minlength=200).reshape(50, 4).astype(np.float64)
    present = counts > 0
    factors = np.zeros_like(counts)
    totals = counts.sum(axis=1, keepdims=True)
    k = present.sum(axis=1, keepdims=True)
    factors[present] = (np.broadcast_to(totals, counts.shape)[present]
                        / (np.broadcast_to(k, counts.shape)[present] * counts[present]))
    return factors.ravel()[ids]


def factorize_then_numpy(category, gender, label):
    codes = [pd.factorize(c)[0] for c in (category, gender, label)]
    return numpy_joint(*codes)


def pandas_groupby(frame):
    """The same joint weights with pandas groupby-transform."""
    keys = ["category", "gender", "label"]
    cell = frame.groupby(keys, observed=True)["label"].transform("size").to_numpy()
    by_stratum = frame.assign(cell=frame["gender"] * 2 + frame["label"]).groupby(
        "category", observed=True)["cell"]
    stratum = by_stratum.transform("size").to_numpy()
    n_cells = by_stratum.transform("nunique").to_numpy()
    return stratum / (n_cells * cell)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e6, help="rows (default 1e6)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--output", help="also write the report to this markdown file")
    args = parser.parse_args(argv)
    n = int(args.n)
    category, gender, label = make_data(n)
    as_str = lambda a, p: np.array([f"{p}{i}" for i in range(a.max() + 1)], dtype=object)[a]  # noqa
    strings = pd.DataFrame({"category": as_str(category, "c"),
                            "gender": as_str(gender, "g"), "label": label})
    ints = pd.DataFrame({"category": category, "gender": gender, "label": label})
    cats = strings.astype({"category": "category", "gender": "category"})

    def sk(frame):
        return GroupBalancedWeighter(groups="gender", strata="category",
                                     balance="joint").fit_weight(frame, frame["label"])

    expected = numpy_joint(category, gender, label)
    np.testing.assert_allclose(pandas_groupby(ints), expected, rtol=1e-12)
    for frame in (ints, strings, cats):
        np.testing.assert_allclose(sk(frame), expected, rtol=1e-12)

    rows = []
    base = timeit(lambda: numpy_joint(category, gender, label), repeat=args.repeat)
    fact = timeit(lambda: factorize_then_numpy(strings["category"].to_numpy(),
                                               strings["gender"].to_numpy(), label),
                  repeat=args.repeat)
    for name, frame, ref, ref_name, target in (
        ("int codes", ints, base, "numpy pipeline", 1.5),
        ("Categorical", cats, base, "numpy pipeline", 1.5),
        ("strings", strings, fact, "pandas.factorize + numpy pipeline", 1.3),
    ):
        t = timeit(lambda: sk(frame), repeat=args.repeat)
        rows.append({"columns": name, "skweight best (s)": f"{t[0]:.3f}",
                     "skweight median (s)": f"{t[1]:.3f}", "against": ref_name,
                     "other best (s)": f"{ref[0]:.3f}", "ratio (best)": f"{t[0] / ref[0]:.2f}",
                     "target": f"<= {target}"})

    gb = timeit(lambda: pandas_groupby(ints), repeat=max(2, args.repeat // 2))
    t = timeit(lambda: sk(ints), repeat=args.repeat)
    rows.append({"columns": "int codes", "skweight best (s)": f"{t[0]:.3f}",
                 "skweight median (s)": f"{t[1]:.3f}",
                 "against": "pandas groupby().transform('size')",
                 "other best (s)": f"{gb[0]:.3f}", "ratio (best)": f"{t[0] / gb[0]:.2f}"})

    # Label only: against scikit-learn.
    t = timeit(lambda: GroupBalancedWeighter().fit_weight(None, label), repeat=args.repeat)
    c = timeit(lambda: compute_sample_weight("balanced", label), repeat=args.repeat)
    rows.append({"columns": "label only", "skweight best (s)": f"{t[0]:.3f}",
                 "skweight median (s)": f"{t[1]:.3f}",
                 "against": "sklearn compute_sample_weight('balanced')",
                 "other best (s)": f"{c[0]:.3f}", "ratio (best)": f"{t[0] / c[0]:.2f}"})

    rows.extend(_aif360_rows(ints, sk, args.repeat))

    mem = peak_memory(lambda: sk(ints))
    report = "\n".join([
        f"`python benchmarks/bench_weights.py --n {n}`: skweight "
        f"{skweight.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"scikit-learn {sklearn.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs; n = {n:,} rows (label, "
        "50-level category, 2-level gender; balance='joint' within category).",
        "",
        table(rows, ["columns", "skweight best (s)", "skweight median (s)", "against",
                     "other best (s)", "ratio (best)", "target"]),
        "",
        f"Peak memory of fit_weight on int codes: {mem / 8 / n:.2f} float64 arrays "
        "of n (target <= 4).",
    ])
    print(report)
    if args.output:
        with open(args.output, "w") as fh:
            fh.write(report + "\n")
    return 0


def _aif360_rows(frame, sk, repeat):
    import logging

    logging.getLogger().setLevel(logging.ERROR)  # AIF360 logs its missing extras
    try:
        from aif360.algorithms.preprocessing import Reweighing
        from aif360.datasets import BinaryLabelDataset
    except ImportError:
        print("AIF360 is not installed: skipping the Reweighing comparison "
              "(pip install aif360).", file=sys.stderr)
        return []
    data = BinaryLabelDataset(df=frame[["gender", "label"]].astype(float),
                              label_names=["label"], protected_attribute_names=["gender"])
    rw = Reweighing(unprivileged_groups=[{"gender": 0}], privileged_groups=[{"gender": 1}])
    a = timeit(lambda: rw.fit_transform(data), repeat=max(2, repeat // 2))
    t = timeit(lambda: GroupBalancedWeighter(groups="gender", balance="independence")
               .fit_weight(frame, frame["label"]), repeat=repeat)
    return [{"columns": "1 protected attribute", "skweight best (s)": f"{t[0]:.3f}",
             "skweight median (s)": f"{t[1]:.3f}", "against": "AIF360 Reweighing",
             "other best (s)": f"{a[0]:.3f}", "ratio (best)": f"{t[0] / a[0]:.2f}"}]


if __name__ == "__main__":
    sys.exit(main())
