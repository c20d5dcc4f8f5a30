"""The fairness metrics equal fairlearn's on the same inputs.

skweight's metrics keep AIF360's orientation (unprivileged minus, or over,
privileged; without ``privileged``: the lowest group against the highest),
so a difference is minus fairlearn's between-groups difference and a ratio is
fairlearn's ratio. Weighted rates equal fairlearn's with ``sample_weight``.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight.metrics import (
    disparate_impact,
    equal_opportunity_difference,
    selection_rates,
    statistical_parity_difference,
)

fairlearn_metrics = pytest.importorskip("fairlearn.metrics")


def _data(seed, n=300, k=3, weighted=True):
    rng = np.random.default_rng(seed)
    groups = rng.choice([f"g{i}" for i in range(k)], n, p=rng.dirichlet(np.ones(k)))
    y_true = rng.integers(0, 2, n)
    y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
    for g in np.unique(groups):  # every group has both labels (fairlearn's TPR needs them)
        rows = np.flatnonzero(groups == g)[:2]
        y_true[rows], y_pred[rows] = [0, 1], [0, 1]
    weights = rng.uniform(0.1, 3.0, n) if weighted else None
    return y_true, y_pred, groups, weights


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("weighted", [False, True])
def test_metrics_equal_fairlearns(seed, weighted):
    y_true, y_pred, groups, w = _data(seed, k=2 + seed % 3, weighted=weighted)
    kw = {"sensitive_features": groups, "sample_weight": w}
    assert statistical_parity_difference(y_pred, **kw) == pytest.approx(
        -fairlearn_metrics.demographic_parity_difference(y_true, y_pred, **kw), abs=1e-12
    )
    assert disparate_impact(y_pred, **kw) == pytest.approx(
        fairlearn_metrics.demographic_parity_ratio(y_true, y_pred, **kw), abs=1e-12
    )
    assert equal_opportunity_difference(y_true, y_pred, **kw) == pytest.approx(
        -fairlearn_metrics.equal_opportunity_difference(y_true, y_pred, **kw), abs=1e-12
    )
    frame = fairlearn_metrics.MetricFrame(
        metrics=fairlearn_metrics.selection_rate,
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
        sample_params={"sample_weight": w} if weighted else None,
    )
    ours = selection_rates(y_pred, **kw)
    assert_allclose(ours.to_numpy(), frame.by_group.loc[ours.index].to_numpy(), atol=1e-12)


def test_pos_label_selects_the_favourable_label_as_fairlearn_does():
    y_true, y_pred, groups, _ = _data(7, weighted=False)
    labels = np.array(["no", "yes"])
    ours = selection_rates(labels[y_pred], groups, pos_label="no")
    frame = fairlearn_metrics.MetricFrame(
        metrics=lambda t, p: fairlearn_metrics.selection_rate(t, p, pos_label="no"),
        y_true=labels[y_true],
        y_pred=labels[y_pred],
        sensitive_features=pd.Series(groups),
    )
    assert_allclose(ours.to_numpy(), frame.by_group.loc[ours.index].to_numpy())


def test_old_parameter_names_warn_and_still_work():
    y_pred, groups = [1, 0, 1, 1], ["a", "a", "b", "b"]
    with pytest.warns(FutureWarning, match="'groups' was renamed 'sensitive_features'"):
        old = disparate_impact(y_pred, groups=groups)
    with pytest.warns(FutureWarning, match="'positive' was renamed 'pos_label'"):
        rates = selection_rates(y_pred, groups, positive=0)
    assert old == disparate_impact(y_pred, sensitive_features=groups)
    assert_allclose(rates.to_numpy(), [0.5, 0.0])
    with pytest.raises(TypeError, match="got both 'groups'"):
        disparate_impact(y_pred, groups=groups, sensitive_features=groups)
