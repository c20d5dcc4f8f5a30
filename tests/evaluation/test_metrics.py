"""Tests of skweight.metrics: group scorers, weighted scorers, fairness metrics."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    make_scorer,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline

from skweight import GroupBalancedWeighter, WeightedEstimator
from skweight.metrics import (
    disparate_impact,
    equal_opportunity_difference,
    group_scores,
    make_group_scorer,
    make_weighted_scorer,
    selection_rates,
    statistical_parity_difference,
)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 300
    sex = rng.choice(["f", "m"], size=n, p=[0.35, 0.65])
    race = rng.choice(["p", "q", "r"], size=n)
    x1 = rng.normal(size=n)
    y = ((x1 + 0.8 * (sex == "m") + rng.normal(scale=0.9, size=n)) > 0.7).astype(int)
    X = pd.DataFrame({"x1": x1, "m": (sex == "m").astype(float), "sex": sex, "race": race})
    return X, y


@pytest.fixture
def model(data):
    """A fitted classifier on x1 and m that accepts the whole frame."""
    X, y = data
    keep = ColumnTransformer([("keep", "passthrough", ["x1", "m"])])
    return make_pipeline(keep, LogisticRegression()).fit(X, y)


def _manual(model, X, y, column, metric=accuracy_score):
    return {
        g: metric(y[(X[column] == g).to_numpy()], model.predict(X[X[column] == g]))
        for g in sorted(X[column].unique())
    }


# --------------------------------------------------------------------------- #
# Group scorers
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "aggregate, reduce",
    [
        ("min", min),
        ("mean", lambda v: float(np.mean(v))),
        ("gap", lambda v: -(max(v) - min(v))),
    ],
)
def test_group_scorer_aggregates_per_group_scores(data, model, aggregate, reduce):
    X, y = data
    per_group = list(_manual(model, X, y, "race").values())
    scorer = make_group_scorer("accuracy", groups="race", aggregate=aggregate)
    assert scorer(model, X, y) == pytest.approx(reduce(per_group))


def test_group_scores_series_and_intersections(data, model):
    X, y = data
    scores = group_scores(model, X, y, groups="sex")
    assert scores.index.name == "sex"
    assert scores.to_dict() == pytest.approx(_manual(model, X, y, "sex"))
    both = group_scores(model, X, y, groups=["sex", "race"])
    assert both.index.names == ["sex", "race"] and len(both) == 6
    key = X["sex"] + X["race"]
    mask = (key == "fq").to_numpy()
    assert both[("f", "q")] == pytest.approx(
        accuracy_score(y[mask], model.predict(X[mask]))
    )
    by_position = group_scores(model, X, y, groups=2)
    assert by_position.to_numpy() == pytest.approx(scores.to_numpy())


def test_group_scorer_with_probability_scorer_and_arrays(data, model):
    X, y = data
    scorer = make_group_scorer("roc_auc")
    expected = min(
        roc_auc_score(y[(X.sex == g).to_numpy()], model.predict_proba(X[X.sex == g])[:, 1])
        for g in ("f", "m")
    )
    assert scorer(model, X, y, sensitive_features=X["sex"].to_numpy()) == pytest.approx(
        expected
    )
    custom = make_group_scorer(make_scorer(recall_score), groups="sex", aggregate="mean")
    manual = np.mean(list(_manual(model, X, y, "sex", recall_score).values()))
    assert custom(model, X, y) == pytest.approx(manual)


def test_group_scorer_passes_sample_weight_per_group(data, model):
    X, y = data
    w = np.linspace(0.1, 2.0, len(y))
    scores = group_scores(model, X, y, groups="sex", sample_weight=w)
    mask = (X.sex == "f").to_numpy()
    assert scores["f"] == pytest.approx(
        accuracy_score(y[mask], model.predict(X[mask]), sample_weight=w[mask])
    )


def test_group_scorer_as_scoring_and_refit(data):
    X, y = data
    model = WeightedEstimator(
        LogisticRegression(),
        GroupBalancedWeighter(groups="sex"),
        drop_weighting_columns=True,
    )
    grid = {
        "weighter__strength": [0.0, 0.5, 1.0],
        "weighter__balance": ["groups", "independence"],
    }
    scoring = {
        "accuracy": "accuracy",
        "worst": make_group_scorer("accuracy", groups="sex"),
        "gap": make_group_scorer("accuracy", groups="sex", aggregate="gap"),
    }
    search = GridSearchCV(
        model, grid, scoring=scoring, refit="worst", cv=3, error_score="raise"
    ).fit(X[["x1", "sex"]], y)
    results = search.cv_results_
    assert search.best_index_ == np.argmax(results["mean_test_worst"])
    assert (results["mean_test_gap"] <= 0).all()
    assert (results["mean_test_worst"] <= results["mean_test_accuracy"] + 1e-12).all()
    alone = GridSearchCV(model, grid, scoring=scoring["worst"], cv=3).fit(
        X[["x1", "sex"]], y
    )
    assert alone.best_params_ == search.best_params_


def test_group_scorer_with_routed_sensitive_features(data):
    X, y = data
    Xn = X[["x1"]]
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_group_scorer("accuracy")
        result = cross_validate(
            LogisticRegression(),
            Xn,
            y,
            scoring=scorer,
            cv=KFold(3),
            params={"sensitive_features": X["sex"]},
            return_estimator=True,
        )
        for (_, test), estimator, score in zip(
            KFold(3).split(Xn), result["estimator"], result["test_score"]
        ):
            sex = X.sex.to_numpy()[test]
            expected = min(
                accuracy_score(
                    y[test][sex == g], estimator.predict(Xn.iloc[test][sex == g])
                )
                for g in ("f", "m")
            )
            assert score == pytest.approx(expected)
        scorer.set_score_request(sensitive_features=False)
        with pytest.raises(ValueError, match="needs groups"):
            cross_validate(  # params={}: scikit-learn 1.6 needs a dict under routing
                LogisticRegression(),
                Xn,
                y,
                scoring=scorer,
                cv=3,
                error_score="raise",
                params={},
            )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"aggregate": "max"}, ValueError, "'aggregate' parameter of make_group_scorer"),
        ({"scoring": 3}, TypeError, "scoring must be a scorer name"),
    ],
)
def test_make_group_scorer_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_group_scorer(**kwargs)


def test_group_scorer_bad_inputs(data, model):
    X, y = data
    with pytest.raises(ValueError, match="needs groups"):
        make_group_scorer()(model, X, y)
    with pytest.raises(ValueError, match="Column 'gender' given in groups is not in X"):
        make_group_scorer(groups="gender")(model, X, y)
    with pytest.raises(TypeError, match="Unexpected metadata"):
        make_group_scorer().set_score_request(sample_weight=True)


# --------------------------------------------------------------------------- #
# Weighted scorers
# --------------------------------------------------------------------------- #
def test_weighted_scorer_with_label_balance_is_balanced_accuracy(data, model):
    X, y = data
    scorer = make_weighted_scorer("accuracy", GroupBalancedWeighter())
    assert scorer(model, X, y) == pytest.approx(
        balanced_accuracy_score(y, model.predict(X))
    )


class RecordingWeighter(GroupBalancedWeighter):
    seen = []

    def fit_weight(self, X, y=None, **kwargs):
        RecordingWeighter.seen.append(np.asarray(X.index))
        return super().fit_weight(X, y, **kwargs)


def test_weighted_scorer_uses_the_test_folds_own_weights(data):
    X, y = data
    cv = KFold(3, shuffle=True, random_state=0)
    RecordingWeighter.seen = []
    scorer = make_weighted_scorer("accuracy", RecordingWeighter(groups="sex"))
    model = WeightedEstimator(
        LogisticRegression(),
        GroupBalancedWeighter(groups="sex"),
        drop_weighting_columns=True,
    )
    result = cross_validate(
        model, X[["x1", "sex"]], y, scoring=scorer, cv=cv, return_estimator=True
    )
    test_folds = [set(X.index[test]) for _, test in cv.split(X)]
    assert [set(rows) for rows in RecordingWeighter.seen] == test_folds
    for (_, test), estimator, score in zip(
        cv.split(X), result["estimator"], result["test_score"]
    ):
        Xt = X[["x1", "sex"]].iloc[test]
        w = GroupBalancedWeighter(groups="sex").fit_weight(Xt, y[test])
        assert score == pytest.approx(
            accuracy_score(y[test], estimator.predict(Xt), sample_weight=w)
        )


def test_weighted_scorer_routing_and_bad_weighter(data, model):
    X, y = data
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_weighted_scorer(
            "accuracy", GroupBalancedWeighter(balance="joint")
        ).set_score_request(sensitive_features=True)
        scores = cross_validate(
            LogisticRegression(),
            X[["x1"]],
            y,
            scoring=scorer,
            cv=3,
            params={"sensitive_features": X["sex"]},
        )
        assert np.isfinite(scores["test_score"]).all()
    with pytest.raises(TypeError, match="fit_weight"):
        make_weighted_scorer("accuracy", LogisticRegression())


# --------------------------------------------------------------------------- #
# Fairness metrics
# --------------------------------------------------------------------------- #
Y_TRUE = [1, 1, 0, 0, 1, 1, 0, 0, 1, 0]
Y_PRED = [1, 0, 0, 0, 1, 1, 1, 0, 1, 1]
SEX = ["F", "F", "F", "F", "M", "M", "M", "M", "M", "M"]


def test_fairness_metrics_by_hand():
    # Women: 1 positive of 4 (0.25); men: 5 of 6.
    assert selection_rates(Y_PRED, SEX).to_dict() == pytest.approx({"F": 0.25, "M": 5 / 6})
    assert disparate_impact(Y_PRED, SEX, privileged="M") == pytest.approx(0.25 / (5 / 6))
    assert statistical_parity_difference(Y_PRED, SEX, privileged="M") == pytest.approx(
        0.25 - 5 / 6
    )
    # True positive rates: women 1 of 2, men 3 of 3.
    assert equal_opportunity_difference(
        Y_TRUE, Y_PRED, SEX, privileged="M"
    ) == pytest.approx(-0.5)
    # privileged=None compares the lowest with the highest group.
    assert disparate_impact(Y_PRED, SEX) == disparate_impact(Y_PRED, SEX, privileged="M")


def test_fairness_metrics_pool_unprivileged_groups_and_weights():
    groups = ["a", "b", "c", "c"]
    y_pred = ["yes", "no", "yes", "yes"]
    assert disparate_impact(y_pred, groups, privileged="c", pos_label="yes") == 0.5
    assert disparate_impact(
        y_pred, groups, privileged=["b", "c"], pos_label="yes"
    ) == pytest.approx(1 / (2 / 3))
    weighted = statistical_parity_difference(
        y_pred,
        pd.Categorical(groups),
        privileged="c",
        pos_label="yes",
        sample_weight=[3, 1, 1, 1],
    )
    assert weighted == pytest.approx(0.75 - 1.0)


def test_fairness_metrics_agree_with_weighted_counts_equivalence():
    """Integer sample_weight equals repeating the rows."""
    rng = np.random.default_rng(3)
    y_pred = rng.integers(0, 2, size=50)
    y_true = rng.integers(0, 2, size=50)
    groups = rng.choice(["a", "b", "c"], size=50)
    w = rng.integers(0, 4, size=50)
    rep = np.repeat(np.arange(50), w)
    for metric in (disparate_impact, statistical_parity_difference):
        assert metric(y_pred, groups, privileged="a", sample_weight=w) == pytest.approx(
            metric(y_pred[rep], groups[rep], privileged="a")
        )
    assert equal_opportunity_difference(y_true, y_pred, groups, sample_weight=w) == (
        pytest.approx(equal_opportunity_difference(y_true[rep], y_pred[rep], groups[rep]))
    )


def test_disparate_impact_degenerate_rates():
    groups = ["a", "a", "b", "b"]
    assert np.isnan(disparate_impact([0, 0, 0, 0], groups, privileged="b"))
    assert disparate_impact([1, 0, 0, 0], groups, privileged="b") == np.inf


@pytest.mark.parametrize(
    "call, match",
    [
        (
            lambda: disparate_impact(Y_PRED, SEX, privileged="X"),
            r"\['X'\] not among the "
            "groups",
        ),
        (
            lambda: disparate_impact(Y_PRED, SEX, privileged=["F", "M"]),
            "covers every group",
        ),
        (
            lambda: disparate_impact(["<=50K", ">50K"], ["F", "M"], pos_label=1),
            "pos_label=1 is not among the labels of y_pred",
        ),
        (
            lambda: disparate_impact(Y_PRED, SEX[:-1]),
            "sensitive_features has 9 rows but y_pred has 10",
        ),
        (lambda: disparate_impact(Y_PRED, pd.DataFrame({"s": SEX})), "must be 1-D"),
        (
            lambda: statistical_parity_difference(Y_PRED, SEX, sample_weight=[-1] * 10),
            "Negative values",
        ),
        (
            lambda: equal_opportunity_difference(Y_TRUE[:3], Y_PRED, SEX),
            "y_true has 3 rows",
        ),
    ],
)
def test_fairness_metric_bad_inputs(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_reweighing_raises_disparate_impact_of_predictions(data):
    """Kamiran-Calders weights move the predictions towards parity."""
    X, y = data
    Xf = X[["x1", "m"]]
    plain = LogisticRegression().fit(Xf, y).predict(Xf)
    w = GroupBalancedWeighter(balance="independence").fit_weight(
        Xf, y, sensitive_features=X["sex"]
    )
    reweighed = LogisticRegression().fit(Xf, y, sample_weight=w).predict(Xf)
    assert disparate_impact(reweighed, X["sex"], privileged="m") > disparate_impact(
        plain, X["sex"], privileged="m"
    )
