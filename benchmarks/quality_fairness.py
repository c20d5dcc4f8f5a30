"""What group balancing does to a model's accuracy and fairness on UCI Adult.

Task: predict income >50K; train on the Adult training file, score on the test
file. Groups: ``sex``, and ``sex x race`` (race as White / non-White, the usual
binary coding of Adult, e.g. AIF360's; four intersectional groups). The model, as
in ``examples/adult_reweighing.py``: a logistic regression on one-hot categories
and standardised numbers, using every column (the group columns included).

Methods, each balancing the groups of the grouping (passed as
``sensitive_features``; the features are unchanged):

- no weighting;
- ``GroupBalancedWeighter`` sample weights with ``balance="groups"``, ``"joint"``
  and ``"independence"`` (Kamiran-Calders reweighing);
- ``EpochResampler``: strategies ``"under"`` and ``"over"`` with ``balance="joint"``
  and ``"independence"`` (the model is fitted on one epoch's rows), and
  ``"weights"`` (systematic resampling with the independence weights). These draw
  rows at random: mean and standard deviation over ``--seeds`` seeds (the other
  methods are deterministic).

Metrics on the test file: accuracy, balanced accuracy, and, for predictions
``y_pred`` and the groups: disparate impact (positive rate of the unprivileged
groups pooled over that of the privileged one: men; white men), statistical parity
difference and equal-opportunity difference (same pooling), and the disparate
impact of the worst group against the best (lowest over highest positive rate).

The ``strength`` trade-off: each balance mode swept from 0 (no correction) to 1
(full), plotted against disparate impact, equal opportunity and accuracy.

    python benchmarks/quality_fairness.py                  # 5 seeds
    python benchmarks/quality_fairness.py --output docs/benchmarks

Writes ``quality_fairness.md`` and ``quality_fairness.png`` to ``--output``.
"""

import argparse
import os
import platform
import sys

import numpy as np
import pandas as pd
import sklearn
from _timing import table
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skweight
from skweight import EpochResampler, GroupBalancedWeighter
from skweight.datasets import load_adult
from skweight.metrics import (
    disparate_impact,
    equal_opportunity_difference,
    statistical_parity_difference,
)

BALANCES = ("groups", "joint", "independence")
STRENGTHS = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))
METRICS = [
    "accuracy",
    "balanced accuracy",
    "disparate impact",
    "statistical parity difference",
    "equal opportunity difference",
    "disparate impact, worst / best group",
]


def load():
    """``X_train, y_train, X_test, y_test``; y is 1 for income >50K."""
    train, test = load_adult("train"), load_adult("test")
    y_train = (train.pop("income") == ">50K").astype(int).to_numpy()
    y_test = (test.pop("income") == ">50K").astype(int).to_numpy()
    return train, y_train, test, y_test


def groupings(X):
    """{name: (group columns, privileged label)}; the columns are derived from X."""
    race = pd.Series(
        np.where(X["race"] == "White", "White", "non-White"), index=X.index, name="race"
    )
    return {
        "sex": (X[["sex"]].astype(str), "Male"),
        "sex x race": (pd.concat([X["sex"].astype(str), race], axis=1), "Male, White"),
    }


def group_labels(columns):
    """One string per row naming its group, e.g. ``"Female, non-White"``."""
    return columns.astype(str).agg(", ".join, axis=1).to_numpy()


def make_model():
    preprocess = ColumnTransformer(
        [
            (
                "categories",
                OneHotEncoder(handle_unknown="ignore"),
                make_column_selector(dtype_include="category"),
            ),
            ("numbers", StandardScaler(), make_column_selector(dtype_include="number")),
        ]
    )
    return make_pipeline(preprocess, LogisticRegression(max_iter=1000))


def methods(seeds):
    """(name, seed, fit(X, y, groups) -> (fitted model, training rows))."""

    def plain(X, y, groups):
        return make_model().fit(X, y), len(y)

    def weighted(balance, strength=1.0):
        def fit(X, y, groups):
            w = GroupBalancedWeighter(balance=balance, strength=strength).fit_weight(
                X, y, sensitive_features=groups
            )
            return make_model().fit(X, y, logisticregression__sample_weight=w), len(y)

        return fit

    def resampled(strategy, balance, seed):
        def fit(X, y, groups):
            if strategy == "weights":
                rs = EpochResampler(
                    "weights",
                    random_state=seed,
                    weighter=(GroupBalancedWeighter(balance=balance)),
                )
            else:
                rs = EpochResampler(strategy, balance=balance, random_state=seed)
            rows = rs.fit(X, y, sensitive_features=groups).epoch_indices(0)
            return make_model().fit(X.iloc[rows], y[rows]), len(rows)

        return fit

    out = [("no weighting", None, plain)]
    out += [(f'weights, balance="{b}"', None, weighted(b)) for b in BALANCES]
    for strategy, balance in (
        ("under", "joint"),
        ("under", "independence"),
        ("over", "joint"),
        ("over", "independence"),
        ("weights", "independence"),
    ):
        name = f'EpochResampler("{strategy}"), balance="{balance}"'
        out += [(name, seed, resampled(strategy, balance, seed)) for seed in seeds]
    return out, weighted


def evaluate(model, X, y, labels, privileged):
    pred = model.predict(X)
    return {
        "accuracy": accuracy_score(y, pred),
        "balanced accuracy": balanced_accuracy_score(y, pred),
        "disparate impact": disparate_impact(pred, labels, privileged=privileged),
        "statistical parity difference": statistical_parity_difference(
            pred, labels, privileged=privileged
        ),
        "equal opportunity difference": equal_opportunity_difference(
            y, pred, labels, privileged=privileged
        ),
        "disparate impact, worst / best group": disparate_impact(pred, labels),
    }


def run(n_seeds, strengths):
    X_train, y_train, X_test, y_test = load()
    train_groups, test_groups = groupings(X_train), groupings(X_test)
    plan, weighted = methods(range(n_seeds))
    scores, sweep = [], []
    for grouping, (columns, privileged) in train_groups.items():
        labels = group_labels(test_groups[grouping][0])
        for name, seed, fit in plan:
            model, n_rows = fit(X_train, y_train, columns)
            scores.append(
                {
                    "grouping": grouping,
                    "method": name,
                    "seed": seed,
                    "training rows": n_rows,
                    **evaluate(model, X_test, y_test, labels, privileged),
                }
            )
            print(f"  {grouping:<10} {name:<50} seed {seed}", file=sys.stderr)
        for balance in BALANCES:
            for strength in strengths:
                model, _ = weighted(balance, float(strength))(X_train, y_train, columns)
                sweep.append(
                    {
                        "grouping": grouping,
                        "balance": balance,
                        "strength": float(strength),
                        **evaluate(model, X_test, y_test, labels, privileged),
                    }
                )
    return (
        pd.DataFrame(scores),
        pd.DataFrame(sweep),
        {g: group_labels(c) for g, (c, _) in train_groups.items()},
    )


def summarise(scores):
    """Mean (± sd over seeds where the method is random) per grouping and method."""
    out = {}
    for grouping, frame in scores.groupby("grouping", sort=False):
        rows = []
        for method, runs in frame.groupby("method", sort=False):
            row = {
                "method": method,
                "seeds": len(runs) if runs["seed"].notna().all() else "-",
                "training rows": f"{runs['training rows'].mean():,.0f}",
            }
            for metric in METRICS:
                mean, sd = runs[metric].mean(), runs[metric].std()
                row[metric] = f"{mean:.3f} ± {sd:.3f}" if len(runs) > 1 else f"{mean:.3f}"
            rows.append(row)
        out[grouping] = rows
    return out


def plot(sweep, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("disparate impact", "disparate impact\n(unprivileged / privileged)"),
        ("equal opportunity difference", "equal opportunity\ndifference"),
        ("accuracy", "accuracy"),
    ]
    names = list(dict.fromkeys(sweep["grouping"]))
    fig, axes = plt.subplots(
        len(panels),
        len(names),
        figsize=(10, 8),
        sharex=True,
        sharey="row",
        layout="constrained",
        squeeze=False,
    )
    for j, grouping in enumerate(names):
        frame = sweep[sweep["grouping"] == grouping]
        for i, (metric, label) in enumerate(panels):
            ax = axes[i, j]
            for balance, curve in frame.groupby("balance", sort=False):
                ax.plot(
                    curve["strength"],
                    curve[metric],
                    "o-",
                    markersize=3,
                    label=f'balance="{balance}"',
                )
            if metric == "disparate impact":
                ax.axhline(
                    0.8, color="grey", linestyle=":", linewidth=1, label="four-fifths rule"
                )
                ax.set_title(f"groups: {grouping}")
            if metric == "equal opportunity difference":
                ax.axhline(0, color="grey", linewidth=0.8)
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel(label)
            if i == len(panels) - 1:
                ax.set_xlabel("strength (0: no weighting, 1: full)")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("Adult test file: GroupBalancedWeighter strength trade-off")
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seeds", type=int, default=5, help="seeds of the resampling methods (default 5)"
    )
    parser.add_argument("--output", help="folder for quality_fairness.md and .png")
    args = parser.parse_args(argv)
    scores, sweep, train_labels = run(args.seeds, STRENGTHS)
    summary = summarise(scores)
    lines = [
        f"`python benchmarks/quality_fairness.py --seeds {args.seeds}`: skweight "
        f"{skweight.__version__}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}, pandas {pd.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs.",
        "",
        "UCI Adult, income >50K: trained on the training file, scored on the test file. "
        "Logistic regression (`max_iter=1000`) on one-hot categories and standardised "
        "numbers, every column used as a feature. Groups are passed to the weighter or "
        "resampler as `sensitive_features`; race is coded White / non-White. "
        "Disparate impact (DI), statistical parity difference and equal-opportunity "
        "difference compare the unprivileged groups pooled against the privileged one "
        "(men; white men); the worst / best column is the DI of the lowest positive "
        "rate over the highest among the groups. EpochResampler methods: the model is "
        "fitted on epoch 0's rows, mean ± standard deviation over the seeds; the other "
        "methods are deterministic.",
    ]
    for grouping, rows in summary.items():
        counts = pd.Series(train_labels[grouping]).value_counts()
        shares = ", ".join(f"{g} {c:,}" for g, c in counts.items())
        lines += [
            "",
            f"## Groups: {grouping}",
            "",
            f"Training rows per group: {shares}.",
            "",
            table(rows, ["method", "seeds", "training rows"] + METRICS),
        ]
    sweep_columns = [
        "strength",
        "accuracy",
        "balanced accuracy",
        "disparate impact",
        "statistical parity difference",
        "equal opportunity difference",
    ]
    lines += ["", "## Strength trade-off (GroupBalancedWeighter weights)"]
    for (grouping, balance), curve in sweep.groupby(["grouping", "balance"], sort=False):
        rows = [
            {c: (f"{v:.1f}" if c == "strength" else f"{v:.3f}") for c, v in r.items()}
            for r in curve[sweep_columns].to_dict("records")
        ]
        lines += [
            "",
            f'Groups {grouping}, balance="{balance}":',
            "",
            table(rows, sweep_columns),
        ]
    report = "\n".join(lines)
    print(report)
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, "quality_fairness.md"), "w") as fh:
            fh.write(report + "\n\n![strength trade-off](quality_fairness.png)\n")
        plot(sweep, os.path.join(args.output, "quality_fairness.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
