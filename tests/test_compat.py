"""The private scikit-learn API skweight relies on, in one place (_compat).

These tests notice first when a scikit-learn release moves or changes it.
"""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from skweight import _compat


def test_constraint_classes_and_validation():
    model = LogisticRegression(C="high")
    with pytest.raises(ValueError, match="'C' parameter"):
        _compat.validate_params(model)
    assert _compat.Interval and _compat.StrOptions and _compat.HasMethods


def test_check_sample_weight():
    X = np.zeros((3, 1))
    assert np.array_equal(_compat.check_sample_weight(None, X), np.ones(3))
    with pytest.raises(ValueError, match="(?i)negative"):
        _compat.check_sample_weight([1.0, -1.0, 1.0], X)


def test_callback_context():
    from skweight.pipeline import Pipeline

    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    ctx = _compat.callback_context(pipe, task_name="fit", max_subtasks=2)
    sub = ctx.subcontext(task_name="fit-transform-scale")
    sub.call_on_fit_task_begin(estimator=pipe, X=None, y=None)
    sub.call_on_fit_task_end(estimator=pipe, X=None, y=None)
    assert hasattr(_compat.CallbackSupportMixin, "__init_subclass__")
    assert callable(_compat.with_callbacks(lambda self: None))


def test_fit_context_validates():
    class Model(LogisticRegression):
        @_compat.fit_context(prefer_skip_nested_validation=True)
        def fit(self, X, y):
            return self

    with pytest.raises(ValueError, match="'C' parameter"):
        Model(C="high").fit([[0], [1]], [0, 1])


def test_parameters_are_checked_at_every_fit_unless_skipped(monkeypatch):
    import sklearn

    from skweight import GroupBalancedWeighter

    calls = []
    original = GroupBalancedWeighter._validate_params
    monkeypatch.setattr(
        GroupBalancedWeighter,
        "_validate_params",
        lambda self: calls.append(1) or original(self),
    )
    weighter = GroupBalancedWeighter(groups=["a"], strength=0.5)
    _compat.validate_params(weighter)
    _compat.validate_params(weighter)
    assert len(calls) == 2  # no cache: a later change of a parameter is seen
    with sklearn.config_context(skip_parameter_validation=True):
        _compat.validate_params(GroupBalancedWeighter(strength=2.0))
    assert len(calls) == 2
    with pytest.raises(ValueError, match="strength"):
        _compat.validate_params(GroupBalancedWeighter(strength=2.0))
