"""Tests of skweight.pipeline: weighter and resampler steps in a Pipeline."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.preprocessing import StandardScaler

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from skweight.engine.frames import take_rows
from skweight.metrics import make_group_scorer
from skweight.pipeline import Pipeline, make_pipeline

RandomUnderSampler = pytest.importorskip("imblearn.under_sampling").RandomUnderSampler


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 240
    g = rng.choice(["a", "b"], size=n, p=[0.25, 0.75])
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    y = ((x1 + 0.7 * (g == "b") + rng.normal(scale=0.8, size=n)) > 0.8).astype(int)
    X = pd.DataFrame({"x1": x1, "x2": x2, "g": g}, index=pd.RangeIndex(500, 500 + n))
    return X, y


def _numbers():
    """A ColumnTransformer keeping the numeric columns (drops the group)."""
    return ColumnTransformer([("num", "passthrough", ["x1", "x2"])])


class Recorder(ClassifierMixin, BaseEstimator):
    """Records what fit and predict receive; predicts the majority class."""

    def fit(self, X, y, sample_weight=None):
        self.fit_rows_ = len(X)
        self.fit_index_ = getattr(X, "index", None)
        self.fit_y_ = np.asarray(y)
        self.sample_weight_ = sample_weight
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        self.predict_rows_ = len(X)
        return np.full(len(X), self.classes_[-1])


class NoIndicesSampler(BaseEstimator):
    """A resampler that keeps every other row but does not say which."""

    def fit_resample(self, X, y):
        return X.iloc[::2], y[::2]


# --------------------------------------------------------------------------- #
# Weighter steps
# --------------------------------------------------------------------------- #
def test_weighter_step_equals_manual_weights(data):
    X, y = data
    weighter = GroupBalancedWeighter(groups="g", balance="independence")
    pipe = Pipeline(
        [("w", weighter), ("cols", _numbers()), ("clf", LogisticRegression())]
    ).fit(X, y)
    w = clone(weighter).fit_weight(X, y)
    manual = SkPipeline([("cols", _numbers()), ("clf", LogisticRegression())]).fit(
        X, y, clf__sample_weight=w
    )
    assert_allclose(pipe[-1].coef_, manual[-1].coef_)
    assert_allclose(pipe.predict_proba(X), manual.predict_proba(X))
    assert pipe.named_steps["w"].weight_table_["count"].sum() == len(y)


def test_weights_reach_every_later_step_that_accepts_them(data):
    X, y = data
    pipe = make_pipeline(
        GroupBalancedWeighter(groups="g"),
        _numbers(),
        StandardScaler(),
        LogisticRegression(),
    ).fit(X, y)
    w = GroupBalancedWeighter(groups="g").fit_weight(X, y)
    assert_allclose(
        pipe.named_steps["standardscaler"].mean_,
        np.average(X[["x1", "x2"]], axis=0, weights=w),
    )


def test_weighter_steps_multiply_and_see_the_data_at_their_position(data):
    X, y = data
    first = GroupBalancedWeighter(groups="g")
    second = EffectiveNumberWeighter(beta=0.9)
    pipe = Pipeline(
        [("w1", first), ("cols", _numbers()), ("w2", second), ("clf", Recorder())]
    ).fit(X, y)
    expected = clone(first).fit_weight(X, y) * clone(second).fit_weight(
        X[["x1", "x2"]].to_numpy(), y
    )
    assert_allclose(pipe[-1].sample_weight_, expected)


def test_explicit_step_sample_weight_multiplies_unless_already_used(data):
    X, y = data
    survey = np.linspace(0.5, 1.5, len(y))
    weighter = GroupBalancedWeighter(groups="g")
    pipe = Pipeline([("w", weighter), ("clf", Recorder())])
    pipe.fit(X, y, clf__sample_weight=survey)
    assert_allclose(pipe[-1].sample_weight_, clone(weighter).fit_weight(X, y) * survey)
    # The same survey weights given to the weighter (weighted counts) and to the
    # classifier are counted once.
    pipe.fit(X, y, w__sample_weight=survey, clf__sample_weight=survey)
    assert_allclose(
        pipe[-1].sample_weight_, clone(weighter).fit_weight(X, y, sample_weight=survey)
    )


# --------------------------------------------------------------------------- #
# Resampler steps
# --------------------------------------------------------------------------- #
def test_resampler_step_subsets_rows_weights_and_step_params(data):
    X, y = data
    survey = np.arange(1.0, len(y) + 1.0)
    weighter = GroupBalancedWeighter(groups="g")
    pipe = Pipeline(
        [("w", weighter), ("rs", RandomUnderSampler(random_state=0)), ("clf", Recorder())]
    )
    pipe.fit(X, y, clf__sample_weight=survey)
    rows = pipe.named_steps["rs"].sample_indices_
    assert pipe[-1].fit_rows_ == len(rows) < len(y)
    assert_array_equal(pipe[-1].fit_y_, y[rows])
    assert_allclose(
        pipe[-1].sample_weight_, clone(weighter).fit_weight(X, y)[rows] * survey[rows]
    )
    # Skipped at prediction time: every row is predicted.
    assert pipe.predict(X).shape == (len(y),)
    assert pipe[-1].predict_rows_ == len(y)


def test_weighter_after_resampler_counts_resampled_rows(data):
    X, y = data
    pipe = make_pipeline(
        RandomUnderSampler(random_state=0), GroupBalancedWeighter(groups="g"), Recorder()
    ).fit(X, y)
    rows = pipe[0].sample_indices_
    table = pipe[1].weight_table_
    assert table["count"].sum() == len(rows)
    assert_allclose(
        pipe[-1].sample_weight_,
        GroupBalancedWeighter(groups="g").fit_weight(X.iloc[rows], y[rows]),
    )


def test_epoch_resampler_step(data):
    X, y = data
    resampler = EpochResampler(
        strategy="under", groups="g", balance="joint", random_state=0
    )
    pipe = make_pipeline(resampler, _numbers(), LogisticRegression()).fit(X, y)
    rows = pipe[0].sample_indices_
    cells = pd.crosstab(X["g"].to_numpy()[rows], y[rows])
    assert (cells.to_numpy() == cells.to_numpy().min()).all()
    assert pipe.predict(X).shape == (len(y),)


def test_resampler_without_sample_indices(data):
    X, y = data
    pipe = Pipeline([("rs", NoIndicesSampler()), ("clf", Recorder())]).fit(X, y)
    assert pipe[-1].fit_rows_ == len(y) // 2
    with pytest.raises(ValueError, match="did not set sample_indices_"):
        Pipeline(
            [
                ("w", GroupBalancedWeighter(groups="g")),
                ("rs", NoIndicesSampler()),
                ("clf", Recorder()),
            ]
        ).fit(X, y)
    with pytest.raises(ValueError, match="did not set sample_indices_"):
        Pipeline([("rs", NoIndicesSampler()), ("clf", Recorder())]).fit(
            X, y, clf__sample_weight=np.ones(len(y))
        )


# --------------------------------------------------------------------------- #
# Model selection
# --------------------------------------------------------------------------- #
def test_grid_search_over_scheme_beta_strength_and_resampler(data):
    X, y = data
    pipe = Pipeline(
        [
            ("w", GroupBalancedWeighter(groups="g")),
            ("rs", "passthrough"),
            ("cols", _numbers()),
            ("clf", LogisticRegression()),
        ]
    )
    grid = [
        {
            "w": [GroupBalancedWeighter(groups="g", balance="joint")],
            "w__scheme": ["inverse", "sqrt_inverse"],
            "w__strength": [0.5, 1.0],
        },
        {"w": [EffectiveNumberWeighter()], "w__beta": [0.9, 0.999]},
        {"w": ["passthrough"], "rs": [RandomUnderSampler(random_state=0)]},
    ]
    scoring = {
        "accuracy": "accuracy",
        "worst": make_group_scorer("balanced_accuracy", groups="g"),
    }
    search = GridSearchCV(
        pipe, grid, scoring=scoring, refit="worst", cv=3, error_score="raise"
    ).fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 7
    assert np.isfinite(results["mean_test_worst"]).all()
    assert search.best_index_ == np.argmax(results["mean_test_worst"])
    assert search.predict(X).shape == (len(y),)


class RecordingWeighter(GroupBalancedWeighter):
    """Records the index of every X it computes weights on."""

    seen = []

    def fit_weight(self, X, y=None, **kwargs):
        RecordingWeighter.seen.append(np.asarray(X.index))
        return super().fit_weight(X, y, **kwargs)


def test_cross_validate_weights_from_training_folds_only(data):
    X, y = data
    cv = KFold(n_splits=3, shuffle=True, random_state=1)
    RecordingWeighter.seen = []
    pipe = make_pipeline(RecordingWeighter(groups="g"), _numbers(), LogisticRegression())
    result = cross_validate(pipe, X, y, cv=cv, return_estimator=True)
    folds = [set(X.index[train]) for train, _ in cv.split(X)]
    assert [set(rows) for rows in RecordingWeighter.seen] == folds
    for fitted, (train, _) in zip(result["estimator"], cv.split(X)):
        assert fitted[0].weight_table_["count"].sum() == len(train)


# --------------------------------------------------------------------------- #
# Metadata routing
# --------------------------------------------------------------------------- #
def test_routing_sensitive_features_and_sample_weight(data):
    X, y = data
    Xn = X[["x1", "x2"]]
    survey = np.linspace(0.5, 1.5, len(y))
    with sklearn.config_context(enable_metadata_routing=True):
        weighter = GroupBalancedWeighter().set_fit_request(
            sensitive_features=True, sample_weight=True
        )
        clf = Recorder().set_fit_request(sample_weight=True)
        pipe = make_pipeline(weighter, clf)
        pipe.fit(Xn, y, sensitive_features=X["g"], sample_weight=survey)
        expected = GroupBalancedWeighter(groups="g").fit_weight(X, y, sample_weight=survey)
        assert_allclose(pipe[-1].sample_weight_, expected)

        model = make_pipeline(
            GroupBalancedWeighter().set_fit_request(sensitive_features=True),
            StandardScaler(),
            LogisticRegression(),
        )
        scores = cross_validate(model, Xn, y, params={"sensitive_features": X["g"]}, cv=3)[
            "test_score"
        ]
        assert np.isfinite(scores).all()

        opted_out = make_pipeline(
            GroupBalancedWeighter().set_fit_request(sensitive_features=True),
            LogisticRegression().set_fit_request(sample_weight=False),
        )
        with pytest.raises(ValueError, match="opted out"):
            opted_out.fit(Xn, y, sensitive_features=X["g"])


# --------------------------------------------------------------------------- #
# Other pipeline behaviour
# --------------------------------------------------------------------------- #
def test_transform_fit_transform_and_fit_predict(data):
    X, y = data
    pipe = make_pipeline(GroupBalancedWeighter(groups="g"), _numbers(), StandardScaler())
    Xt = pipe.fit_transform(X, y)
    w = GroupBalancedWeighter(groups="g").fit_weight(X, y)
    assert_allclose(np.average(Xt, axis=0, weights=w), 0, atol=1e-12)
    assert_allclose(pipe.transform(X), Xt)
    assert list(pipe.get_feature_names_out()) == ["num__x1", "num__x2"]
    kmeans = KMeans(n_clusters=2, n_init=2, random_state=0)
    labels = make_pipeline(
        GroupBalancedWeighter(groups="g"), _numbers(), kmeans
    ).fit_predict(X)
    assert labels.shape == (len(y),)
    assert not hasattr(
        make_pipeline(GroupBalancedWeighter(), LogisticRegression()), "transform"
    )


def test_make_pipeline_names_params_slicing_and_memory(data, tmp_path):
    X, y = data
    pipe = make_pipeline(
        GroupBalancedWeighter(groups="g"), _numbers(), LogisticRegression()
    )
    assert [name for name, _ in pipe.steps] == [
        "groupbalancedweighter",
        "columntransformer",
        "logisticregression",
    ]
    assert pipe.get_params()["groupbalancedweighter__strength"] == 1.0
    assert isinstance(pipe[:2], Pipeline)
    cached = clone(pipe).set_params(memory=str(tmp_path))
    assert_allclose(cached.fit(X, y).predict_proba(X), pipe.fit(X, y).predict_proba(X))


def test_verbose(data, capsys):
    X, y = data
    make_pipeline(
        GroupBalancedWeighter(groups="g"), _numbers(), LogisticRegression(), verbose=True
    ).fit(X, y)
    out = capsys.readouterr().out
    assert "(step 1 of 3) Processing groupbalancedweighter" in out


# --------------------------------------------------------------------------- #
# Bad inputs
# --------------------------------------------------------------------------- #
def test_weighter_after_its_columns_are_gone(data):
    X, y = data
    as_array = make_pipeline(
        _numbers(), GroupBalancedWeighter(groups="g"), LogisticRegression()
    )
    with pytest.raises(
        ValueError,
        match=r"step 'groupbalancedweighter'.*reads "
        r"column\(s\) \['g'\].*without column names",
    ):
        as_array.fit(X, y)
    as_frame = make_pipeline(
        _numbers().set_output(transform="pandas"),
        GroupBalancedWeighter(groups="g"),
        LogisticRegression(),
    )
    with pytest.raises(
        ValueError,
        match=r"\['g'\], which are not in the data "
        r"reaching it",
    ):
        as_frame.fit(X, y)


def test_last_step_without_sample_weight(data):
    X, y = data
    pipe = make_pipeline(
        GroupBalancedWeighter(groups="g"), _numbers(), KNeighborsClassifier()
    )
    with pytest.raises(
        ValueError,
        match=r"KNeighborsClassifier.*does not accept "
        r"sample_weight.*resampler",
    ):
        pipe.fit(X, y)
    ends_in_passthrough = Pipeline(
        [
            ("w", GroupBalancedWeighter(groups="g")),
            ("cols", _numbers()),
            ("end", "passthrough"),
        ]
    )
    with pytest.raises(ValueError, match="no step after them accepts sample_weight"):
        ends_in_passthrough.fit(X, y)
    # A resampler step is the way to go.
    make_pipeline(
        RandomUnderSampler(random_state=0), _numbers(), KNeighborsClassifier()
    ).fit(X, y)


@pytest.mark.parametrize(
    "steps, error, match",
    [
        ([], ValueError, "empty"),
        ([("w", GroupBalancedWeighter())], TypeError, "need an estimator after them"),
        (
            [("clf", LogisticRegression()), ("clf", LogisticRegression())],
            ValueError,
            "not unique",
        ),
        (
            [("a__b", StandardScaler()), ("clf", LogisticRegression())],
            ValueError,
            "must not contain __",
        ),
        (
            [("clf", LogisticRegression()), ("last", LogisticRegression())],
            TypeError,
            "is not a transformer",
        ),
        (
            [("memory", StandardScaler()), ("clf", LogisticRegression())],
            ValueError,
            "conflict with constructor arguments",
        ),
    ],
)
def test_bad_steps(data, steps, error, match):
    X, y = data
    with pytest.raises(error, match=match):
        Pipeline(steps).fit(X[["x1", "x2"]], y)


def test_multilabel_weights_are_rejected():
    X = np.arange(12.0).reshape(6, 2)
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    pipe = make_pipeline(GroupBalancedWeighter(), StandardScaler(), Recorder())
    with pytest.raises(ValueError, match="one sample_weight per row"):
        pipe.fit(X, Y)


def test_unknown_fit_parameter(data):
    X, y = data
    pipe = make_pipeline(
        GroupBalancedWeighter(groups="g"), _numbers(), LogisticRegression()
    )
    with pytest.raises(ValueError, match="stepname__parameter"):
        pipe.fit(X, y, sample_weight=np.ones(len(y)))


# --------------------------------------------------------------------------- #
# How per-row values follow a resampler's rows
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("kind", ["ndarray", "frame", "series", "list", "sparse"])
def test_take_rows_keeps_type_and_rows(kind):
    base = np.arange(12).reshape(6, 2)
    values = {
        "ndarray": base,
        "frame": pd.DataFrame(base, index=list("uvwxyz")),
        "series": pd.Series(base[:, 0], index=list("uvwxyz")),
        "list": base.tolist(),
        "sparse": sp.csr_matrix(base),
    }[kind]
    rows = np.array([4, 0, 4])
    out = take_rows(values, rows)
    assert type(out) is type(values)
    dense = out.toarray() if kind == "sparse" else np.asarray(out)
    expected = base[rows] if kind != "series" else base[rows, 0]
    assert_array_equal(dense, expected)
    if kind in ("frame", "series"):
        assert list(out.index) == ["y", "u", "y"]
