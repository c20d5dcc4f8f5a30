"""Raking and target shares against the limit: the joint table counted, IPF in numpy.

Rows with three categorical margin columns (2, 10 and 50 levels, unevenly
spread), raked to random target shares:

- the limit: the joint table counted by one ``np.bincount`` of the flat
  code built from the columns' category codes (pandas keeps them: the
  fastest count of categorical columns) in the narrowest integer type, a
  dense numpy IPF on it to the same tolerance, and each row's weight
  gathered by its flat code;
- ``RakingWeighter(margins).fit_weight(X)``: validation, the engine's count
  of the cells that occur, IPF on them, the weights gathered.

And ``GroupBalancedWeighter(groups=, strata=)`` with ``target_shares``
against the same weighter with equal shares (the same path: the target may
not cost more). Ratios are times over the limit's (or over equal shares),
best of ``--repeat``, measured side by side; peak memory by tracemalloc.
Targets: raking at most 1.3x the limit; target shares no slower than equal.

Usage: ``python benchmarks/bench_raking.py [--n 1e7] [--output FILE.md]``
"""

import argparse
import os
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import git_revision, peak_memory, table, timeit  # noqa: E402

LEVELS = {"sex": 2, "region": 10, "age": 50}


def make_data(n, seed=0):
    """A frame of categorical margin columns, and random target margins."""
    rng = np.random.default_rng(seed)
    columns, margins = {}, {}
    for name, k in LEVELS.items():
        names = [f"{name}{i:02d}" for i in range(k)]
        p = rng.dirichlet(np.full(k, 5.0))
        columns[name] = pd.Categorical.from_codes(rng.choice(k, n, p=p), names)
        target = rng.dirichlet(np.full(k, 5.0))
        margins[name] = dict(zip(names, target.tolist()))
    return pd.DataFrame(columns), margins


def numpy_rake(X, margins, tol, max_iter=100):
    """The limit: count the joint table from the codes, IPF on it, gather."""
    codes = [X[c].cat.codes.to_numpy() for c in margins]
    shape = tuple(len(margins[c]) for c in margins)
    # The flat code in the narrowest type that holds it: faster than
    # np.ravel_multi_index (int64) by a third at 1e7 rows.
    size = int(np.prod(shape))
    flat = codes[0].astype(np.int16 if size < 2**15 else np.intp)
    for code, k in zip(codes[1:], shape[1:]):
        flat *= k
        flat += code
    table = np.bincount(flat, minlength=size).reshape(shape).astype(float)
    total = table.sum()
    targets = [np.array(list(margins[c].values())) * total for c in margins]
    fitted = table.copy()
    axes = range(len(shape))
    for _ in range(max_iter):
        for axis, target in enumerate(targets):
            others = tuple(a for a in axes if a != axis)
            sums = fitted.sum(axis=others)
            ratio = np.where(sums > 0, target / np.where(sums > 0, sums, 1.0), 0.0)
            view = [1] * len(shape)
            view[axis] = -1
            fitted *= ratio.reshape(view)
        error = max(
            np.abs(fitted.sum(axis=tuple(a for a in axes if a != axis)) - t).max()
            for axis, t in enumerate(targets)
        )
        if error / total <= tol:
            break
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(table > 0, fitted / table, 0.0).ravel()
    return factor[flat]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=float, default=1e7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)

    import skweight
    from skweight import GroupBalancedWeighter, RakingWeighter
    from skweight.exceptions import WeightingWarning

    warnings.simplefilter("ignore", WeightingWarning)
    n = int(args.n)
    X, margins = make_data(n)

    def ours():
        return RakingWeighter(margins, tol=args.tol).fit_weight(X)

    def limit():
        return numpy_rake(X, margins, args.tol)

    w, reference = ours(), limit()
    assert np.allclose(w, reference, rtol=1e-4, atol=1e-6), np.abs(w - reference).max()

    shares = {f"age{i:02d}": 1.0 + (i % 5) for i in range(LEVELS["age"])}

    def equal():
        return GroupBalancedWeighter(groups="age", strata="region").fit_weight(X)

    def targeted():
        weighter = GroupBalancedWeighter(
            groups="age", strata="region", target_shares=shares
        )
        return weighter.fit_weight(X)

    results = {
        name: timeit(func, repeat=args.repeat)[0]
        for name, func in (
            ("limit", limit),
            ("ours", ours),
            ("equal", equal),
            ("targeted", targeted),
        )
    }
    memory = {name: peak_memory(func) for name, func in (("limit", limit), ("ours", ours))}
    rows = [
        {
            "method": "limit: np.bincount of the category codes + dense numpy IPF + gather",
            "best (s)": f"{results['limit']:.3f}",
            "ratio": "1.00",
            "peak memory (MB)": f"{memory['limit'] / 1e6:.0f}",
        },
        {
            "method": "RakingWeighter(margins).fit_weight(X)",
            "best (s)": f"{results['ours']:.3f}",
            "ratio": f"{results['ours'] / results['limit']:.2f}",
            "peak memory (MB)": f"{memory['ours'] / 1e6:.0f}",
        },
        {
            "method": "GroupBalancedWeighter(groups='age', strata='region'): equal shares",
            "best (s)": f"{results['equal']:.3f}",
            "ratio": "1.00",
            "peak memory (MB)": "",
        },
        {
            "method": "the same with target_shares (50 shares)",
            "best (s)": f"{results['targeted']:.3f}",
            "ratio": f"{results['targeted'] / results['equal']:.2f}",
            "peak memory (MB)": "",
        },
    ]
    command = " ".join(
        [
            "python",
            "benchmarks/bench_raking.py",
            *(argv if argv is not None else sys.argv[1:]),
        ]
    )
    report = "\n".join(
        [
            f"{n:,} rows, three categorical margins of {', '.join(map(str, LEVELS.values()))} "
            f"levels, raked to random targets (tol {args.tol:g}); best of {args.repeat}. "
            "Raking's ratio is over the limit, target shares' over equal shares. Targets: "
            "raking at most 1.3x the limit, target shares no slower than equal shares.",
            "",
            table(rows, ["method", "best (s)", "ratio", "peak memory (MB)"]),
            "",
            f"`{command}` at commit {git_revision()} on {platform.platform()}, "
            f"{os.cpu_count()} CPUs (skweight {skweight.__version__}, numpy "
            f"{np.__version__}, pandas {pd.__version__}).",
        ]
    )
    print(report)
    if args.output:
        Path(args.output).write_text(report + "\n")


if __name__ == "__main__":
    main()
