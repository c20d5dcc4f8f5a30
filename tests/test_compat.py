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


def test_fit_transform_one_and_callback_context(capsys):
    from skweight.pipeline import Pipeline

    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    ctx = _compat.callback_context(pipe, task_name="fit", max_subtasks=2)
    sub = ctx.subcontext(task_name="fit-transform-scale")
    X = np.arange(8.0).reshape(4, 2)
    Xt, fitted = _compat.fit_transform_one(
        StandardScaler(), X, None, message="step 1", params={}, caller=pipe,
        callback_ctx=sub)
    assert np.allclose(Xt.mean(axis=0), 0) and hasattr(fitted, "mean_")
    with _compat.print_elapsed_time("Pipeline", "hello"):
        pass
    assert "hello" in capsys.readouterr().out


def test_fit_context_validates():
    class Model(LogisticRegression):
        @_compat.fit_context(prefer_skip_nested_validation=True)
        def fit(self, X, y):
            return self

    with pytest.raises(ValueError, match="'C' parameter"):
        Model(C="high").fit([[0], [1]], [0, 1])


def test_valid_parameter_sets_are_checked_once_per_class(monkeypatch):
    from skweight import GroupBalancedWeighter
    from skweight._compat import _VALID, validate_params

    calls = []
    original = GroupBalancedWeighter._validate_params
    monkeypatch.setattr(GroupBalancedWeighter, "_validate_params",
                        lambda self: calls.append(1) or original(self))
    _VALID.clear()
    validate_params(GroupBalancedWeighter(groups=["a"], strength=0.5))
    validate_params(GroupBalancedWeighter(groups=["a"], strength=0.5))
    assert len(calls) == 1
    validate_params(GroupBalancedWeighter(groups=["a"], strength=1))  # another type
    validate_params(GroupBalancedWeighter(class_weight={0: 1.0}))     # not plain: checked
    validate_params(GroupBalancedWeighter(class_weight={0: 1.0}))
    assert len(calls) == 4
    with pytest.raises(ValueError, match="strength"):  # invalid sets are never cached
        validate_params(GroupBalancedWeighter(strength=2.0))
    with pytest.raises(ValueError, match="strength"):
        validate_params(GroupBalancedWeighter(strength=2.0))
