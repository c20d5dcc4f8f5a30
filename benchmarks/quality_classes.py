"""What the class-weighting schemes do to a model on a real long-tailed problem.

Label: the ``occupation`` column of UCI Adult (14 classes, from about 6,000 rows down
to 15), features: every other column. The same logistic regression is trained with no
weights, with inverse, square-root-inverse, log-inverse and effective-number (beta 0.9
... 0.9999) weights, and with EpochResampler under- and over-sampling (one epoch's
rows); macro F1 and macro F0.5 on a held-out split, over several seeds (each seed
draws a new stratified train/test split).

    python benchmarks/quality_classes.py                # 3 seeds
    python benchmarks/quality_classes.py --seeds 5 --output docs/benchmarks

Writes ``quality_classes.md`` (tables) and ``quality_classes.png`` (per-class F1
change sorted by class support) to ``--output``.
"""

import argparse
import os
import platform
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from _timing import table
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, fbeta_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import skweight
from skweight import EffectiveNumberWeighter, GroupBalancedWeighter
from skweight.datasets import load_adult

NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = [
    "workclass",
    "education",
    "marital_status",
    "relationship",
    "race",
    "sex",
    "native_country",
    "income",
]


def methods():
    """(name, kind, object): kind is "weights", "resample" or None."""
    out = [("no weights", None, None)]
    for scheme in ("inverse", "sqrt_inverse", "log_inverse"):
        out.append((scheme, "weights", GroupBalancedWeighter(scheme=scheme)))
    for beta in (0.9, 0.99, 0.999, 0.9999):
        out.append(
            (
                f"effective number, beta={beta}",
                "weights",
                EffectiveNumberWeighter(beta=beta),
            )
        )
    try:
        from skweight import EpochResampler
    except ImportError:  # pragma: no cover - the resampler ships with skweight
        return out
    out.append(("EpochResampler under", "resample", EpochResampler("under")))
    out.append(("EpochResampler over", "resample", EpochResampler("over")))
    return out


def model(seed):
    features = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore", min_frequency=5), CATEGORICAL),
        (StandardScaler(), NUMERIC),
    )
    return make_pipeline(features, LogisticRegression(max_iter=300, random_state=seed))


def run(n_seeds):
    data = load_adult("all").dropna(subset=["occupation"])
    y_all = data["occupation"].astype(str).to_numpy()
    X_all = data[NUMERIC + CATEGORICAL]
    classes, support = np.unique(y_all, return_counts=True)
    scores, per_class = [], []
    for seed in range(n_seeds):
        X_tr, X_te, y_tr, y_te = train_test_split(
            X_all, y_all, test_size=0.3, stratify=y_all, random_state=seed
        )
        for name, kind, method in methods():
            start = time.perf_counter()
            est = model(seed)
            if kind == "weights":
                w = sklearn.clone(method).fit_weight(None, y_tr)
                est.fit(X_tr, y_tr, logisticregression__sample_weight=w)
            elif kind == "resample":
                rs = sklearn.clone(method).set_params(random_state=seed).fit(X_tr, y_tr)
                rows = rs.epoch_indices(0)
                est.fit(X_tr.iloc[rows], y_tr[rows])
            else:
                est.fit(X_tr, y_tr)
            pred = est.predict(X_te)
            scores.append(
                {
                    "method": name,
                    "seed": seed,
                    "macro F1": f1_score(y_te, pred, average="macro"),
                    "macro F0.5": fbeta_score(y_te, pred, beta=0.5, average="macro"),
                    "accuracy": float(np.mean(pred == y_te)),
                    "seconds": time.perf_counter() - start,
                }
            )
            f1 = f1_score(y_te, pred, labels=classes, average=None, zero_division=0)
            per_class.append(
                pd.DataFrame({"method": name, "seed": seed, "class": classes, "F1": f1})
            )
    return pd.DataFrame(scores), pd.concat(per_class), pd.Series(support, classes)


def summarise(scores):
    agg = scores.groupby("method", sort=False).agg(
        **{
            "macro F1 mean": ("macro F1", "mean"),
            "macro F1 sd": ("macro F1", "std"),
            "macro F0.5 mean": ("macro F0.5", "mean"),
            "macro F0.5 sd": ("macro F0.5", "std"),
            "accuracy mean": ("accuracy", "mean"),
        }
    )
    return agg.round(4).reset_index()


def per_class_change(per_class, support):
    mean = per_class.groupby(["method", "class"], sort=False)["F1"].mean().unstack(0)
    change = mean.sub(mean["no weights"], axis=0).drop(columns="no weights")
    order = support.sort_values(ascending=False).index
    change = change.loc[order]
    change.insert(0, "support", support.loc[order])
    return change


def plot(change, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
    methods_ = [c for c in change.columns if c != "support"]
    x = np.arange(len(change))
    width = 0.8 / len(methods_)
    for i, name in enumerate(methods_):
        ax.bar(x + i * width, change[name], width, label=name)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x + 0.4 - width / 2)
    ax.set_xticklabels(
        [f"{c}\n(n={n})" for c, n in change["support"].items()],
        rotation=60,
        ha="right",
        fontsize=7,
    )
    ax.set_ylabel("F1 change against no weights")
    ax.set_title("Adult occupation: per-class F1 change, classes by support")
    ax.legend(fontsize=7, ncols=2)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--output", default=None, help="folder for quality_classes.md and .png"
    )
    args = parser.parse_args(argv)
    scores, per_class, support = run(args.seeds)
    summary = summarise(scores)
    change = per_class_change(per_class, support).round(3)
    header = (
        f"`python benchmarks/quality_classes.py --seeds {args.seeds}`: skweight "
        f"{skweight.__version__}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}, pandas {pd.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs. "
        f"UCI Adult (train + test files, rows with a known occupation: "
        f"{int(support.sum()):,}); label: occupation ({len(support)} classes); "
        "70/30 stratified split per seed; logistic regression on one-hot "
        "categoricals and scaled numerics. Mean and standard deviation over seeds."
    )
    report = "\n".join(
        [
            header,
            "",
            table(summary.to_dict("records"), list(summary.columns)),
            "",
            "Per-class F1 change against no weights (mean over seeds), classes by support:",
            "",
            table(
                change.reset_index().to_dict("records"), ["class"] + list(change.columns)
            ),
        ]
    )
    print(report)
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, "quality_classes.md"), "w") as fh:
            fh.write(report + "\n\n![per-class F1 change](quality_classes.png)\n")
        plot(change, os.path.join(args.output, "quality_classes.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
