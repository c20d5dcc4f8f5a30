"""The weighting Pipeline keeps what scikit-learn's Pipeline does.

``transform_input``, fit callbacks, ``memory``, ``verbose``, slicing and
``set_output`` work as in :class:`sklearn.pipeline.Pipeline`, with weighting
steps in the way; without weighting steps the result is scikit-learn's own.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline as SkPipeline
from sklearn.preprocessing import StandardScaler

from skweight import GroupBalancedWeighter
from skweight.pipeline import Pipeline, make_pipeline


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    n = 200
    X = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.normal(size=n),
            "g": rng.choice([0, 1], n, p=[0.8, 0.2]),
        }
    )
    y = (X["x1"] + rng.normal(scale=0.5, size=n) > 0).astype(int).to_numpy()
    return X, y


def _scaler():
    return StandardScaler().set_output(transform="pandas")


class _Shift(TransformerMixin, BaseEstimator):
    """Adds 1 to X; records the metadata it is given."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X + 1


class _Recorder(BaseEstimator):
    """Records the validation set it gets in fit (for transform_input)."""

    def __init__(self):
        pass

    def fit(self, X, y, sample_weight=None, X_val=None):
        self.X_val_ = X_val
        self.sample_weight_ = sample_weight
        return self

    def predict(self, X):
        return np.zeros(len(X), dtype=int)


def test_without_weighting_steps_it_is_sklearns_pipeline(data):
    X, y = data
    ours = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    theirs = SkPipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    assert_allclose(ours.fit(X, y).predict_proba(X), theirs.fit(X, y).predict_proba(X))
    assert set(ours.get_params()) == set(theirs.get_params())


def test_transform_input_transforms_metadata_past_weighting_steps(data):
    X, y = data
    X_val = X.iloc[:10]
    with sklearn.config_context(enable_metadata_routing=True):
        recorder = _Recorder().set_fit_request(X_val=True, sample_weight=True)
        pipe = Pipeline(
            [
                ("shift", _Shift()),
                ("w", GroupBalancedWeighter(groups="g")),
                ("clf", recorder),
            ],
            transform_input=["X_val"],
        )
        pipe.fit(X, y, X_val=X_val)
    got = pipe.named_steps["clf"].X_val_
    assert_allclose(got.to_numpy(), (X_val + 1).to_numpy())  # shifted, not weighted
    expected = GroupBalancedWeighter(groups="g").fit_weight(X + 1, y)
    assert_allclose(pipe.named_steps["clf"].sample_weight_, expected)


def test_transform_input_needs_routing(data):
    X, y = data
    pipe = Pipeline(
        [("w", GroupBalancedWeighter(groups="g")), ("clf", LogisticRegression())],
        transform_input=["X_val"],
    )
    with pytest.raises(ValueError, match="transform_input"):
        pipe.fit(X, y)


def test_fit_callbacks_see_every_step(data):
    callback_module = pytest.importorskip("sklearn.callback")

    class Record:
        def __init__(self):
            self.tasks = []

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context, **kwargs):
            self.tasks.append(context.task_name)

        def on_fit_task_end(self, estimator, context, **kwargs):
            pass

    assert isinstance(Record(), callback_module.FitCallback)
    X, y = data
    record = Record()
    pipe = make_pipeline(_scaler(), GroupBalancedWeighter(groups="g"), LogisticRegression())
    pipe.set_callbacks(record)
    pipe.fit(X, y)
    assert record.tasks[0] == "fit"
    assert "fit-transform-groupbalancedweighter" in record.tasks
    assert "fit-final-estimator" in record.tasks


def test_memory_caches_transformers_not_weighting_steps(data, tmp_path):
    X, y = data
    pipe = Pipeline(
        [
            ("scale", _scaler()),
            ("w", GroupBalancedWeighter(groups="g")),
            ("clf", LogisticRegression()),
        ],
        memory=str(tmp_path),
    )
    first = pipe.fit(X, y).predict_proba(X)
    again = pipe.fit(X, y).predict_proba(X)
    assert_allclose(first, again)
    assert hasattr(pipe.named_steps["w"], "weight_table_")


def test_verbose_prints_each_step(data, capsys):
    X, y = data
    Pipeline(
        [("w", GroupBalancedWeighter(groups="g")), ("clf", LogisticRegression())],
        verbose=True,
    ).fit(X, y)
    out = capsys.readouterr().out
    assert "(step 1 of 2) Processing w" in out and "(step 2 of 2) Processing clf" in out


def test_slicing_and_set_output(data):
    X, y = data
    pipe = make_pipeline(
        _scaler(), GroupBalancedWeighter(groups="g"), LogisticRegression()
    ).fit(X, y)
    head = pipe[:2]
    assert isinstance(head, Pipeline) and len(head) == 2
    out = head.set_output(transform="pandas").transform(X)
    assert isinstance(out, pd.DataFrame)  # the weighter step is skipped
    assert_array_equal(out.columns, X.columns)
    assert pipe[-1] is pipe.named_steps["logisticregression"]


def test_make_pipeline_takes_transform_input():
    pipe = make_pipeline(
        GroupBalancedWeighter(), LogisticRegression(), transform_input=["X_val"]
    )
    assert pipe.transform_input == ["X_val"]


def test_polars_frames_through_a_weighting_pipeline():
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(1)
    frame = pl.DataFrame({"x": rng.normal(size=80), "g": rng.choice(["a", "b"], 80)})
    y = (frame["x"].to_numpy() > 0).astype(int)
    pipe = make_pipeline(GroupBalancedWeighter(groups="g"), _Recorder()).fit(frame, y)
    expected = GroupBalancedWeighter(groups="g").fit_weight(frame.to_pandas(), y)
    assert_allclose(pipe[-1].sample_weight_, expected)


def test_feature_names_inverse_transform_and_tags_as_sklearn(data):
    from sklearn.base import clone, is_classifier
    from sklearn.utils import get_tags

    X, y = data
    pipe = make_pipeline(
        StandardScaler(), GroupBalancedWeighter(groups=2), LogisticRegression()
    )
    assert is_classifier(pipe) and get_tags(pipe).estimator_type == "classifier"
    assert not hasattr(pipe, "inverse_transform")  # the last step has none
    pipe.fit(X, y)
    assert_array_equal(pipe[:-1].get_feature_names_out(), X.columns)
    head = pipe[:2]  # ends in the weighter: transforms as passthrough
    assert_allclose(head.inverse_transform(head.transform(X)), X.to_numpy())
    assert_array_equal(pipe.classes_, [0, 1])
    assert pipe.n_features_in_ == 3
    assert_array_equal(pipe.feature_names_in_, X.columns)
    assert clone(pipe).get_params()["groupbalancedweighter__groups"] == 2


def test_set_params_replaces_steps_and_sets_nested_params(data):
    X, y = data
    pipe = make_pipeline(GroupBalancedWeighter(groups="g"), LogisticRegression())
    pipe.set_params(
        logisticregression__C=0.5, verbose=False, groupbalancedweighter="passthrough"
    )
    assert pipe.steps[0][1] == "passthrough" and pipe[-1].C == 0.5
    with pytest.raises(ValueError, match="Invalid parameter"):
        pipe.set_params(nosuchstep__C=1)
    with pytest.raises(ValueError, match="has no step 'nosuch'"):
        pipe.fit(X, y, nosuch__sample_weight=np.ones(len(y)))


def test_routed_predict_params_and_score_sample_weight(data):
    X, y = data
    pipe = make_pipeline(
        _scaler(), GroupBalancedWeighter(groups="g"), LogisticRegression()
    ).fit(X, y)
    theirs = SkPipeline([("s", _scaler()), ("clf", LogisticRegression())]).fit(
        X, y, clf__sample_weight=GroupBalancedWeighter(groups="g").fit_weight(X, y)
    )
    w = np.linspace(0.1, 1.0, len(y))
    assert pipe.score(X, y, sample_weight=w) == pytest.approx(
        theirs.score(X, y, sample_weight=w)
    )
    assert_allclose(pipe.decision_function(X), theirs.decision_function(X))
    with sklearn.config_context(enable_metadata_routing=True):
        routed = Pipeline(
            [
                ("w", GroupBalancedWeighter(groups="g")),
                ("clf", _Recorder().set_fit_request(sample_weight=True)),
            ]
        )
        routed.fit(X, y)
        assert routed.get_metadata_routing().consumes("predict", ["sample_weight"]) == set()
        assert_allclose(
            routed[-1].sample_weight_, GroupBalancedWeighter(groups="g").fit_weight(X, y)
        )
