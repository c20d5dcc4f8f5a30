"""The demonstration run by ``python -m skweight`` (and ``skweight demo``).

It tells the story of the README's first example on generated data: product
reviews whose gender mix differs by category, balanced within each category.
"""

import numpy as np
import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..datasets import make_product_reviews
from ..evaluation.report import effective_sample_size, weighter_report
from ..weighting.weighters import GroupBalancedWeighter

_NUMERIC = ["price", "n_words", "helpful_votes", "account_age_years"]


def _female_share(frame, weights):
    """Weighted share of female reviewers per category."""
    female = (frame["gender"] == "female").to_numpy()
    total = pd.Series(weights).groupby(frame["category"].to_numpy()).sum()
    fem = pd.Series(weights * female).groupby(frame["category"].to_numpy()).sum()
    return fem / total


def _category_mix(frame, weights):
    total = pd.Series(weights).groupby(frame["category"].to_numpy()).sum()
    return total / total.sum()


def _model():
    features = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["category"]),
        (StandardScaler(), _NUMERIC),
    )
    return make_pipeline(features, LogisticRegression(max_iter=1000))


def _accuracy_by_group(frame, y_true, y_pred):
    hit = pd.Series(y_true == y_pred)
    keys = [frame["category"].to_numpy(), frame["gender"].to_numpy()]
    return hit.groupby(keys).mean().unstack()


def run_demo(n_samples=40_000, random_state=0, print_fn=print):
    """Run the demonstration and return its tables.

    Parameters
    ----------
    n_samples : int, default=40_000
        Number of generated reviews.
    random_state : int, default=0
        Seed of the data and of the train/test split.
    print_fn : callable, default=print
        Where the report goes.

    Returns
    -------
    results : dict
        ``"shares"`` (female share per category before/after),
        ``"accuracy"`` (per category and gender, plain and weighted model),
        ``"ess"`` (effective sample size of the weights), ``"weights"``
        (the training rows' weights) and ``"report"`` (the weighter's
        balance report, :func:`skweight.diagnostics.weighter_report`).
    """
    reviews = make_product_reviews(n_samples, random_state=random_state)
    train, test = train_test_split(reviews, test_size=0.5, random_state=random_state)
    X_train, y_train = train.drop(columns="rating"), train["rating"].to_numpy()
    X_test, y_test = test.drop(columns="rating"), test["rating"].to_numpy()

    weighter = GroupBalancedWeighter(groups="gender", strata="category")
    w = weighter.fit_weight(X_train, y_train)
    ones = np.ones(len(w))

    out = print_fn
    out("skweight demo: product reviews whose gender mix differs by category")
    out(
        f"{len(train)} training reviews, {len(test)} test reviews; label: "
        "positive review (rating >= 4)\n"
    )
    out("Weighting: GroupBalancedWeighter(groups='gender', strata='category')")
    out("makes women and men carry equal weight inside each category, while")
    out("each category keeps its share of the total weight.\n")

    shares = pd.DataFrame(
        {
            "female share before": _female_share(X_train, ones),
            "female share after": _female_share(X_train, w),
            "category share before": _category_mix(X_train, ones),
            "category share after": _category_mix(X_train, w),
        }
    )
    out(shares.round(3).to_string())
    ess = effective_sample_size(w)
    out(
        f"\nEffective sample size (Kish): {ess:,.0f} of {len(w):,} rows "
        f"({ess / len(w):.0%}): the price of the correction in variance."
    )
    out(f"Weights range from {w.min():.2f} to {w.max():.2f} (mean {w.mean():.2f}).\n")

    plain = _model().fit(X_train, y_train)
    weighted = _model().fit(X_train, y_train, logisticregression__sample_weight=w)
    acc_plain = _accuracy_by_group(X_test, y_test, plain.predict(X_test))
    acc_weighted = _accuracy_by_group(X_test, y_test, weighted.predict(X_test))

    minority = shares["female share before"].lt(0.5).map({True: "female", False: "male"})
    rows = []
    for category, gender in minority.items():
        majority = "male" if gender == "female" else "female"
        rows.append(
            {
                "category": category,
                "minority": gender,
                "minority acc. plain": acc_plain.loc[category, gender],
                "minority acc. weighted": acc_weighted.loc[category, gender],
                "majority acc. plain": acc_plain.loc[category, majority],
                "majority acc. weighted": acc_weighted.loc[category, majority],
            }
        )
    accuracy = pd.DataFrame(rows).set_index("category")
    out("Test accuracy of a logistic regression (gender is not a feature), plain and")
    out("trained with the weights, for each category's minority and majority gender:")
    out(accuracy.round(3).to_string())
    out(
        f"\nWorst group accuracy: plain {acc_plain.min().min():.3f}, "
        f"weighted {acc_weighted.min().min():.3f}."
    )
    gap_plain = (accuracy["majority acc. plain"] - accuracy["minority acc. plain"]).mean()
    gap_weighted = (
        accuracy["majority acc. weighted"] - accuracy["minority acc. weighted"]
    ).mean()
    out(
        f"Mean majority-minority accuracy gap: plain {gap_plain:.3f}, "
        f"weighted {gap_weighted:.3f}."
    )
    return {
        "shares": shares,
        "accuracy": accuracy,
        "ess": ess,
        "weights": w,
        "report": weighter_report(weighter),
    }
