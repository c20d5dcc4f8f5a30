"""Tests of WeightedEstimator (skweight/_meta.py)."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline as sk_make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from skweight import (
    EffectiveNumberWeighter,
    EpochResampler,
    GroupBalancedWeighter,
    WeightedEstimator,
)

imblearn_under = pytest.importorskip("imblearn.under_sampling")
RandomUnderSampler = imblearn_under.RandomUnderSampler


def _epoch_resampler(**params):
    """skweight's EpochResampler."""
    return EpochResampler(**params)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 240
    sex = rng.choice(["f", "m"], size=n, p=[0.3, 0.7])
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    y = ((x1 + 0.8 * (sex == "m") + rng.normal(scale=0.8, size=n)) > 0.6).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2, "sex": sex}, index=pd.RangeIndex(1000, 1000 + n))
    return X, y


def _numeric(X):
    return X.assign(sex=(X["sex"] == "m").astype(float))


# --------------------------------------------------------------------------- #
# scikit-learn's estimator checks
# --------------------------------------------------------------------------- #
@parametrize_with_checks(
    [
        WeightedEstimator(LogisticRegression()),
        WeightedEstimator(
            LogisticRegression(), GroupBalancedWeighter(balance="label", normalize=None)
        ),
        WeightedEstimator(LogisticRegression(), GroupBalancedWeighter()),
    ],
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# --------------------------------------------------------------------------- #
# Fitting: what the estimator receives
# --------------------------------------------------------------------------- #
def test_weights_reach_estimator_as_in_a_manual_fit(data):
    X, y = _numeric(data[0]), data[1]
    weighter = GroupBalancedWeighter(groups="sex", balance="independence")
    model = WeightedEstimator(LogisticRegression(), weighter).fit(X, y)
    w = clone(weighter).fit_weight(X, y)
    manual = LogisticRegression().fit(X, y, sample_weight=w)
    assert_allclose(model.estimator_.coef_, manual.coef_)
    assert model.weighter_ is not weighter and not hasattr(weighter, "weight_table_")


def test_incoming_sample_weight_multiplies_in(data):
    X, y = _numeric(data[0]), data[1]
    survey = np.random.default_rng(1).uniform(0.5, 2.0, size=len(y))
    weighter = GroupBalancedWeighter(groups="sex")
    model = WeightedEstimator(LogisticRegression(), weighter).fit(
        X, y, sample_weight=survey
    )
    expected = clone(weighter).fit_weight(X, y, sample_weight=survey)
    manual = LogisticRegression().fit(X, y, sample_weight=expected)
    assert_allclose(model.estimator_.coef_, manual.coef_)


def test_weighter_none_fits_plainly_even_without_sample_weight(data):
    X, y = _numeric(data[0]), data[1]
    model = WeightedEstimator(LogisticRegression()).fit(X, y)
    assert_allclose(model.estimator_.coef_, LogisticRegression().fit(X, y).coef_)
    knn = WeightedEstimator(KNeighborsClassifier(n_neighbors=3)).fit(X, y)
    assert_array_equal(
        knn.predict(X), KNeighborsClassifier(n_neighbors=3).fit(X, y).predict(X)
    )
    assert knn.weighter_ is None


def test_inner_pipeline_gets_weights_at_its_last_step(data):
    X, y = _numeric(data[0]), data[1]
    weighter = GroupBalancedWeighter(groups="sex")
    w = clone(weighter).fit_weight(X, y)
    model = WeightedEstimator(
        sk_make_pipeline(StandardScaler(), LogisticRegression()), weighter
    ).fit(X, y)
    manual = sk_make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X, y, logisticregression__sample_weight=w
    )
    assert_allclose(model.estimator_[-1].coef_, manual[-1].coef_)


def test_inner_pipeline_gets_weights_through_metadata_routing(data):
    X, y = _numeric(data[0]), data[1]
    weighter = GroupBalancedWeighter(groups="sex")
    w = clone(weighter).fit_weight(X, y)
    manual = sk_make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X, y, logisticregression__sample_weight=w
    )
    with sklearn.config_context(enable_metadata_routing=True):
        inner = sk_make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LogisticRegression().set_fit_request(sample_weight=True),
        )
        model = WeightedEstimator(inner, weighter).fit(X, y)
        assert_allclose(model.estimator_[-1].coef_, manual[-1].coef_)
        unrequested = sk_make_pipeline(
            StandardScaler().set_fit_request(sample_weight=False),
            LogisticRegression().set_fit_request(sample_weight=False),
        )
        with pytest.raises(ValueError, match="no step of the Pipeline requests"):
            WeightedEstimator(unrequested, weighter).fit(X, y)


# --------------------------------------------------------------------------- #
# Resamplers as the weighter
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "make_resampler",
    [
        lambda: RandomUnderSampler(random_state=0),
        lambda: _epoch_resampler(strategy="under", random_state=0),
    ],
    ids=["RandomUnderSampler", "EpochResampler"],
)
def test_resampler_fits_estimator_on_resampled_rows(data, make_resampler):
    X, y = _numeric(data[0]), data[1]
    survey = np.arange(1.0, len(y) + 1.0)
    model = WeightedEstimator(DummyClassifier(strategy="prior"), make_resampler())
    model.fit(X, y, sample_weight=survey)
    rows = model.weighter_.sample_indices_
    assert len(rows) < len(y)
    assert np.bincount(y[rows]).tolist() == [len(rows) // 2] * 2  # balanced rows
    # The survey weights followed the kept rows.
    expected = np.bincount(y[rows], weights=survey[rows])
    assert_allclose(model.estimator_.class_prior_, expected / expected.sum())


def test_resampler_works_with_estimator_without_sample_weight(data):
    X, y = _numeric(data[0]), data[1]
    model = WeightedEstimator(
        KNeighborsClassifier(n_neighbors=1), RandomUnderSampler(random_state=0)
    ).fit(X, y)
    assert model.estimator_.n_samples_fit_ == len(model.weighter_.sample_indices_)
    assert model.predict(X).shape == (len(y),)


def test_resampler_without_sample_indices_cannot_carry_weights(data):
    over = pytest.importorskip("imblearn.over_sampling")
    X, y = _numeric(data[0]), data[1]
    model = WeightedEstimator(LogisticRegression(), over.SMOTE(random_state=0))
    model.fit(X, y)  # fine without weights
    with pytest.raises(ValueError, match="did not set sample_indices_"):
        model.fit(X, y, sample_weight=np.ones(len(y)))


# --------------------------------------------------------------------------- #
# Weights come from the training rows only
# --------------------------------------------------------------------------- #
class RecordingWeighter(GroupBalancedWeighter):
    """Records the index of every X it computes weights on."""

    seen = []

    def fit_weight(self, X, y=None, **kwargs):
        RecordingWeighter.seen.append(np.asarray(X.index))
        return super().fit_weight(X, y, **kwargs)


def test_cross_validate_fits_weighter_on_each_training_fold_only(data):
    X, y = data
    cv = KFold(n_splits=4, shuffle=True, random_state=0)
    RecordingWeighter.seen = []
    model = WeightedEstimator(
        LogisticRegression(), RecordingWeighter(groups="sex"), drop_weighting_columns=True
    )
    result = cross_validate(model, X, y, cv=cv, return_estimator=True)
    train_folds = [set(X.index[train]) for train, _ in cv.split(X, y)]
    assert [set(rows) for rows in RecordingWeighter.seen] == train_folds
    # The fitted weight tables count the training rows of their fold, not all rows.
    for estimator, (train, _) in zip(result["estimator"], cv.split(X, y)):
        table = estimator.weighter_.weight_table_
        assert table["count"].sum() == len(train) < len(X)
        counts = table.set_index("sex")["count"]
        assert counts.to_dict() == X.iloc[train]["sex"].value_counts().to_dict()


# --------------------------------------------------------------------------- #
# Columns the estimator must not see
# --------------------------------------------------------------------------- #
def test_drop_weighting_columns_dataframe(data):
    X, y = data
    weighter = GroupBalancedWeighter(groups="sex", balance="independence")
    model = WeightedEstimator(
        LogisticRegression(), weighter, drop_weighting_columns=True
    ).fit(X, y)
    assert model.dropped_columns_ == ["sex"]
    assert list(model.estimator_.feature_names_in_) == ["x1", "x2"]
    manual = LogisticRegression().fit(
        X[["x1", "x2"]], y, sample_weight=clone(weighter).fit_weight(X, y)
    )
    assert_allclose(model.predict_proba(X), manual.predict_proba(X[["x1", "x2"]]))
    assert model.n_features_in_ == 3
    assert list(model.feature_names_in_) == ["x1", "x2", "sex"]


def test_drop_weighting_columns_by_position_on_arrays(data):
    X, y = _numeric(data[0]).to_numpy(), data[1]
    model = WeightedEstimator(
        LogisticRegression(), GroupBalancedWeighter(groups=-1), drop_weighting_columns=True
    ).fit(X, y)
    assert model.dropped_columns_ == [2]
    assert model.estimator_.n_features_in_ == 2
    assert model.decision_function(X).shape == (len(y),)


def test_drop_weighting_columns_needs_columns_to_drop(data):
    X, y = data
    with pytest.raises(ValueError, match="strength=0"):
        WeightedEstimator(LogisticRegression(), drop_weighting_columns=True).fit(X, y)
    # strength=0 is the baseline that drops the same column.
    baseline = WeightedEstimator(
        LogisticRegression(),
        GroupBalancedWeighter(groups="sex", strength=0),
        drop_weighting_columns=True,
    ).fit(X, y)
    plain = LogisticRegression().fit(X[["x1", "x2"]], y)
    assert_allclose(baseline.estimator_.coef_, plain.coef_)


# --------------------------------------------------------------------------- #
# Keys as arrays: plain keyword arguments and metadata routing
# --------------------------------------------------------------------------- #
def test_sensitive_features_as_keyword(data):
    X, y = data
    by_column = WeightedEstimator(
        LogisticRegression(),
        GroupBalancedWeighter(groups="sex"),
        drop_weighting_columns=True,
    ).fit(X, y)
    by_array = WeightedEstimator(LogisticRegression(), GroupBalancedWeighter()).fit(
        X[["x1", "x2"]], y, sensitive_features=X["sex"]
    )
    assert_allclose(by_array.estimator_.coef_, by_column.estimator_.coef_)


def test_sensitive_features_routed_in_grid_search(data):
    X, y = data
    Xn = X[["x1", "x2"]]
    with sklearn.config_context(enable_metadata_routing=True):
        weighter = GroupBalancedWeighter(balance="independence").set_fit_request(
            sensitive_features=True
        )
        search = GridSearchCV(
            WeightedEstimator(LogisticRegression(), weighter),
            [
                {"weighter": [None]},
                {"weighter": [weighter], "weighter__strength": [0.5, 1]},
            ],
            cv=3,
        ).fit(Xn, y, sensitive_features=X["sex"])
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
        fitted = search.best_estimator_
        if fitted.weighter_ is not None:
            assert fitted.weighter_.weight_table_["count"].sum() == len(y)
        unrequested = WeightedEstimator(
            LogisticRegression(), GroupBalancedWeighter(balance="independence")
        )
        with pytest.raises(UnsetMetadataPassedError, match="sensitive_features"):
            unrequested.fit(Xn, y, sensitive_features=X["sex"])


def test_sample_weight_routed_to_weighted_estimator(data):
    X, y = _numeric(data[0]), data[1]
    survey = np.random.default_rng(2).uniform(0.5, 2.0, size=len(y))
    weighter = GroupBalancedWeighter(groups="sex")
    expected = WeightedEstimator(LogisticRegression(), weighter).fit(
        X, y, sample_weight=survey
    )
    with sklearn.config_context(enable_metadata_routing=True):
        model = (
            WeightedEstimator(LogisticRegression(), weighter)
            .set_fit_request(sample_weight=True)
            .set_score_request(sample_weight=False)
        )
        result = cross_validate(
            model,
            X,
            y,
            cv=KFold(2),
            params={"sample_weight": survey},
            return_estimator=True,
        )
        full = clone(model).fit(X, y, sample_weight=survey)
    assert_allclose(full.estimator_.coef_, expected.estimator_.coef_)
    assert len(result["estimator"]) == 2


# --------------------------------------------------------------------------- #
# Grid search over the weighter
# --------------------------------------------------------------------------- #
def test_grid_search_over_weighter_and_strength(data):
    X, y = data
    model = WeightedEstimator(LogisticRegression(), GroupBalancedWeighter(groups="sex"))
    grid = [
        {"weighter": [None]},  # the plain baseline, apart: it has no strength
        {
            "weighter": [
                GroupBalancedWeighter(groups="sex", balance="independence"),
                EffectiveNumberWeighter(),
            ],
            "weighter__strength": [0.5, 1.0],
        },
    ]
    search = GridSearchCV(model, grid, cv=3, error_score="raise").fit(_numeric(X), y)
    assert len(search.cv_results_["params"]) == 5
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    for params in search.cv_results_["params"][1:]:
        fitted = clone(model).set_params(**params).fit(_numeric(X), y)
        assert fitted.weighter_.strength == params["weighter__strength"]


def test_weighter_params_without_weighter_warn_before_they_raise():
    with pytest.warns(FutureWarning, match=r"\['weighter__strength'\].*will raise from "):
        model = WeightedEstimator(LogisticRegression()).set_params(weighter__strength=0.5)
    assert model.weighter is None
    model.set_params(weighter=GroupBalancedWeighter(), weighter__strength=0.25)
    assert model.weighter.strength == 0.25
    assert model.get_params()["weighter__strength"] == 0.25


# --------------------------------------------------------------------------- #
# Delegation and tags
# --------------------------------------------------------------------------- #
def test_delegated_methods_and_tags(data):
    X, y = _numeric(data[0]), data[1]
    model = WeightedEstimator(LogisticRegression(), GroupBalancedWeighter(groups="sex"))
    assert is_classifier(model)
    with pytest.raises(sklearn.exceptions.NotFittedError):
        model.predict(X)
    model.fit(X, y)
    assert_array_equal(model.classes_, [0, 1])
    assert_allclose(model.predict_proba(X), model.estimator_.predict_proba(X))
    assert_allclose(model.predict_log_proba(X), model.estimator_.predict_log_proba(X))
    assert_allclose(model.decision_function(X), model.estimator_.decision_function(X))
    assert model.score(X, y) == model.estimator_.score(X, y)
    w = np.linspace(0.1, 1.0, len(y))
    assert model.score(X, y, sample_weight=w) == model.estimator_.score(
        X, y, sample_weight=w
    )
    assert not hasattr(model, "transform")
    assert not hasattr(WeightedEstimator(KNeighborsClassifier()), "decision_function")
    assert is_regressor(WeightedEstimator(Ridge()))

    scaler = WeightedEstimator(StandardScaler(), GroupBalancedWeighter(groups="sex"))
    Xt = scaler.fit(X, y).transform(X)
    weights = GroupBalancedWeighter(groups="sex").fit_weight(X, y)
    assert_allclose(scaler.estimator_.mean_, np.average(X, axis=0, weights=weights))
    assert Xt.shape == X.shape


# --------------------------------------------------------------------------- #
# Bad inputs
# --------------------------------------------------------------------------- #
def test_estimator_without_sample_weight_suggests_a_resampler(data):
    X, y = _numeric(data[0]), data[1]
    model = WeightedEstimator(KNeighborsClassifier(), GroupBalancedWeighter(groups="sex"))
    with pytest.raises(
        ValueError,
        match=r"KNeighborsClassifier.fit does not accept sample_weight"
        r".*resampler",
    ):
        model.fit(X, y)
    in_pipeline = WeightedEstimator(
        sk_make_pipeline(StandardScaler(), KNeighborsClassifier()),
        GroupBalancedWeighter(groups="sex"),
    )
    with pytest.raises(
        ValueError,
        match=r"last step of the Pipeline, "
        r"KNeighborsClassifier.*resampler",
    ):
        in_pipeline.fit(X, y)
    with pytest.raises(ValueError, match="does not accept sample_weight"):
        WeightedEstimator(KNeighborsClassifier()).fit(X, y, sample_weight=np.ones(len(y)))


@pytest.mark.parametrize(
    "params, error, match",
    [
        ({"weighter": "balanced"}, ValueError, "'weighter' parameter of WeightedEstimator"),
        ({"estimator": "lr"}, ValueError, "'estimator' parameter of WeightedEstimator"),
        ({"drop_weighting_columns": "yes"}, ValueError, "drop_weighting_columns"),
        (
            {"weighter": GroupBalancedWeighter(groups="gender")},
            ValueError,
            "Column 'gender' given in groups is not in X",
        ),
    ],
)
def test_bad_parameters(data, params, error, match):
    X, y = data
    model = WeightedEstimator(LogisticRegression()).set_params(**params)
    with pytest.raises(error, match=match):
        model.fit(X, y)


def test_multilabel_weights_are_rejected():
    X = np.arange(12.0).reshape(6, 2)
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    model = WeightedEstimator(LogisticRegression(), GroupBalancedWeighter())
    with pytest.raises(ValueError, match="one sample_weight per row"):
        model.fit(X, Y)


def test_polars_frames_reach_the_weighter_and_lose_the_weighting_columns():
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({"x": rng.normal(size=60), "sex": rng.choice(["f", "m"], 60)})
    y = (frame["x"].to_numpy() > 0).astype(int)
    model = WeightedEstimator(
        LogisticRegression(),
        GroupBalancedWeighter(groups="sex", balance="joint"),
        drop_weighting_columns=True,
    ).fit(frame, y)
    assert model.dropped_columns_ == ["sex"]
    assert list(model.estimator_.feature_names_in_) == ["x"]
    assert model.predict(frame).shape == (60,)
