"""Kamiran-Calders reweighing on the UCI Adult data: fairness against accuracy.

A logistic regression (one-hot encoded categories, standardised numbers)
predicts whether a person earns more than $50K a year. Fitted plainly on the
Adult training file, it predicts a high income for women far less often than
for men: the *disparate impact* (positive prediction rate of women divided by
that of men, on the test file) is about 0.30, well below the "four-fifths
rule" of 0.8.

Reweighing (Kamiran & Calders 2012) gives every (sex, income) cell of the
training rows the weight ``P(sex) P(income) / P(sex, income)``, so that in the
weighted training data income is independent of sex. In skweight that is
``GroupBalancedWeighter(groups="sex", balance="independence")``, and
``WeightedEstimator`` computes the weights inside ``fit``, i.e. on the training
rows only. The weighter's ``strength`` blends between no correction (0) and
the full correction (1); sweeping it traces the fairness/accuracy trade-off.

Run::

    python examples/adult_reweighing.py [--out DIR] [--drop-sex] [--strengths 0,0.5,1]

It prints the plain and reweighed models' accuracy and disparate impact and
the sweep, and writes ``adult_reweighing_sweep.csv``, ``.md`` and ``.png``
to ``--out`` (default: ``docs/_generated`` in the repository). With
``--drop-sex`` the model does not use ``sex`` as a feature
(``drop_weighting_columns=True``); the weights still balance it.

The data ship with skweight (``skweight.datasets.load_adult``): unmodified
copies of the UCI files, CC BY 4.0, see ``skweight/datasets/data/README.md``.
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skweight import GroupBalancedWeighter, WeightedEstimator
from skweight.datasets import load_adult
from skweight.metrics import (
    disparate_impact,
    equal_opportunity_difference,
    selection_rates,
    statistical_parity_difference,
)

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "docs" / "_generated"
DEFAULT_STRENGTHS = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))


def load_data():
    """Return ``X_train, y_train, X_test, y_test``; y is 1 for income >50K."""
    train, test = load_adult("train"), load_adult("test")
    y_train = (train.pop("income") == ">50K").astype(int).to_numpy()
    y_test = (test.pop("income") == ">50K").astype(int).to_numpy()
    return train, y_train, test, y_test


def make_model(*, strength=1.0, drop_sex=False):
    """Logistic regression on Adult, reweighed on sex with ``strength``."""
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
    classifier = make_pipeline(preprocess, LogisticRegression(max_iter=1000))
    weighter = GroupBalancedWeighter(
        groups="sex", balance="independence", strength=strength
    )
    return WeightedEstimator(classifier, weighter, drop_weighting_columns=drop_sex)


def evaluate(model, X_test, y_test):
    """Accuracy and group fairness of a fitted model on the test rows."""
    y_pred = model.predict(X_test)
    sex = X_test["sex"]
    rates = selection_rates(y_pred, sex)
    return {
        "accuracy": accuracy_score(y_test, y_pred),
        "disparate_impact": disparate_impact(y_pred, sex, privileged="Male"),
        "statistical_parity_difference": statistical_parity_difference(
            y_pred, sex, privileged="Male"
        ),
        "equal_opportunity_difference": equal_opportunity_difference(
            y_test, y_pred, sex, privileged="Male"
        ),
        "positive_rate_female": rates["Female"],
        "positive_rate_male": rates["Male"],
    }


def compare(*, drop_sex=False, data=None):
    """Fit the plain and the fully reweighed model; one row each.

    The plain model is ``weighter=None`` (with ``drop_sex``: ``strength=0``,
    all weights 1, so that it sees the same columns).
    """
    X_train, y_train, X_test, y_test = load_data() if data is None else data
    plain = make_model(strength=0.0, drop_sex=drop_sex)
    if not drop_sex:
        plain.set_params(weighter=None)
    rows = {}
    for name, model in [
        ("plain", plain),
        ("reweighed", make_model(strength=1.0, drop_sex=drop_sex)),
    ]:
        rows[name] = evaluate(model.fit(X_train, y_train), X_test, y_test)
    return pd.DataFrame.from_dict(rows, orient="index")


def strength_sweep(strengths=DEFAULT_STRENGTHS, *, drop_sex=False, data=None):
    """Accuracy and fairness of the reweighed model for each ``strength``."""
    X_train, y_train, X_test, y_test = load_data() if data is None else data
    model = make_model(drop_sex=drop_sex)
    rows = []
    for strength in strengths:
        model.set_params(weighter__strength=float(strength)).fit(X_train, y_train)
        rows.append({"strength": float(strength), **evaluate(model, X_test, y_test)})
    return pd.DataFrame(rows)


def plot_sweep(sweep, path):
    """Save the trade-off (disparate impact and accuracy against strength)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_di, ax_acc) = plt.subplots(2, 1, figsize=(6.4, 5.6), sharex=True)
    ax_di.plot(
        sweep["strength"],
        sweep["disparate_impact"],
        "o-",
        color="tab:blue",
        label="reweighed",
    )
    ax_di.axhline(
        0.8, color="grey", linestyle=":", linewidth=1, label="four-fifths rule (0.8)"
    )
    ax_di.set_ylabel("disparate impact\n(women / men)")
    ax_di.legend(loc="lower right")
    ax_di.set_title("Adult: Kamiran-Calders reweighing on sex (test file)")
    ax_acc.plot(sweep["strength"], 100 * sweep["accuracy"], "s-", color="tab:red")
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_xlabel("reweighing strength (0: plain fit, 1: full reweighing)")
    for ax in (ax_di, ax_acc):
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def to_markdown(table):
    """A small markdown table (no optional dependency)."""
    columns = [str(c) for c in table.columns]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in table.iterrows():
        lines.append(
            "| "
            + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row)
            + " |"
        )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"folder for the table and plot (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--drop-sex",
        action="store_true",
        help="do not use sex as a feature (the weights still use it)",
    )
    parser.add_argument(
        "--strengths",
        default=None,
        help="comma-separated strengths to sweep (default: 0, 0.1, ..., 1)",
    )
    args = parser.parse_args(argv)
    strengths = (
        DEFAULT_STRENGTHS
        if args.strengths is None
        else [float(s) for s in args.strengths.split(",")]
    )

    data = load_data()
    pd.set_option("display.width", 120)
    summary = compare(drop_sex=args.drop_sex, data=data)
    print(
        "Adult test file, logistic regression"
        + (" without sex as a feature" if args.drop_sex else "")
        + ":"
    )
    print(
        summary[
            ["accuracy", "disparate_impact", "positive_rate_female", "positive_rate_male"]
        ]
        .round(4)
        .to_string()
    )
    accuracy = summary["accuracy"]
    drop = 100 * (accuracy["plain"] - accuracy["reweighed"])
    print(
        f"Reweighing moves disparate impact from "
        f"{summary.loc['plain', 'disparate_impact']:.3f} to "
        f"{summary.loc['reweighed', 'disparate_impact']:.3f} for {drop:.2f} "
        "accuracy points.\n"
    )

    sweep = strength_sweep(strengths, drop_sex=args.drop_sex, data=data)
    print("Strength sweep:")
    print(sweep.round(4).to_string(index=False))
    args.out.mkdir(parents=True, exist_ok=True)
    name = "adult_reweighing_sweep" + ("_drop_sex" if args.drop_sex else "")
    stem = args.out / name
    sweep.to_csv(stem.with_suffix(".csv"), index=False)
    stem.with_suffix(".md").write_text(to_markdown(sweep))
    plot_sweep(sweep, stem.with_suffix(".png"))
    print(f"\nWrote {stem}.csv, .md and .png")
    return summary, sweep


if __name__ == "__main__":
    main()
