"""sampling_strategy in every form imbalanced-learn knows, with its meaning.

Side by side with RandomUnderSampler / RandomOverSampler on the same labels:
the same ``sampling_strategy_`` and the same number of rows per class.
"""

import numpy as np
import pandas as pd
import pytest

from skweight import EpochResampler

imblearn = pytest.importorskip("imblearn.under_sampling")
from imblearn.over_sampling import RandomOverSampler  # noqa: E402
from imblearn.under_sampling import RandomUnderSampler  # noqa: E402

BINARY = np.repeat([0, 1], [70, 20])
MULTI = np.repeat([0, 1, 2, 3], [50, 30, 30, 8])
PEERS = {"under": RandomUnderSampler, "over": RandomOverSampler}


def _class_sizes(labels, rows):
    return dict(zip(*np.unique(labels[rows], return_counts=True)))


def _same_as_peer(strategy, sampling_strategy, y):
    X = np.zeros((len(y), 1))
    peer = PEERS[strategy](sampling_strategy=sampling_strategy, random_state=0)
    _, y_peer = peer.fit_resample(X, y)
    ours = EpochResampler(
        strategy, sampling_strategy=sampling_strategy, random_state=0
    ).fit(X, y)
    assert {
        int(k): int(v) for k, v in peer.sampling_strategy_.items()
    } == ours.sampling_strategy_
    expected = {int(k): int(v) for k, v in zip(*np.unique(y_peer, return_counts=True))}
    assert _class_sizes(y, ours.epoch_indices(0)) == expected
    assert _class_sizes(y, ours.epoch_indices(5)) == expected


@pytest.mark.parametrize("strategy", ["under", "over"])
@pytest.mark.parametrize(
    "name", ["auto", "all", "not minority", "not majority", "majority", "minority"]
)
@pytest.mark.parametrize("y", [BINARY, MULTI], ids=["binary", "multiclass"])
def test_strings_mean_what_imbalanced_learn_means(strategy, name, y):
    if (strategy, name) in (("under", "minority"), ("over", "majority")):
        with pytest.raises(ValueError, match=f"'{name}' cannot be used"):
            EpochResampler(strategy, sampling_strategy=name).fit(None, y)
        return
    _same_as_peer(strategy, name, y)


@pytest.mark.parametrize(
    "strategy, ratio",
    [
        ("under", 0.5),
        ("under", 1.0),
        ("under", 0.3),
        ("over", 0.5),
        ("over", 1),
        ("over", 0.8),
    ],
)
def test_a_float_is_the_ratio_of_imbalanced_learn(strategy, ratio):
    _same_as_peer(strategy, ratio, BINARY)


@pytest.mark.parametrize("strategy, ratio", [("under", 0.2), ("over", 0.2)])
def test_a_ratio_that_needs_the_other_direction_is_an_error(strategy, ratio):
    X = np.zeros((len(BINARY), 1))
    with pytest.raises(ValueError):  # the peer refuses it too
        PEERS[strategy](sampling_strategy=ratio).fit_resample(X, BINARY)
    with pytest.raises(ValueError, match="would (generate|remove) rows"):
        EpochResampler(strategy, sampling_strategy=ratio).fit(None, BINARY)


@pytest.mark.parametrize(
    "strategy, spec",
    [
        ("under", {0: 10, 1: 5}),
        ("over", {1: 60}),
        ("under", {2: 8}),
    ],
)
def test_dicts_and_callables_of_y(strategy, spec):
    _same_as_peer(strategy, spec, MULTI)

    def from_y(labels):
        assert isinstance(labels, np.ndarray) and labels.shape == MULTI.shape
        return spec

    _same_as_peer(strategy, from_y, MULTI)


def test_a_ratio_applies_inside_each_stratum():
    X = pd.DataFrame({"s": np.repeat(["a", "b"], [90, 60])})
    y = np.r_[np.repeat([0, 1], [70, 20]), np.repeat([0, 1], [20, 40])]
    rs = EpochResampler("under", strata="s", sampling_strategy=0.5).fit(X, y)
    assert rs.targets_ == {("a", 0): 40, ("a", 1): 20, ("b", 0): 20, ("b", 1): 40}
    assert rs.sampling_strategy_ == {("a", 0): 40, ("b", 1): 40}  # the majorities
    # With groups the units are cells, and a callable gets their counts.
    rs = EpochResampler(
        "over",
        strata="s",
        sampling_strategy=lambda counts: {key: 2 * rows for key, rows in counts.items()},
    ).fit(X, y)
    assert rs.targets_ == {("a", 0): 140, ("a", 1): 40, ("b", 0): 40, ("b", 1): 80}


def test_independence_takes_auto_dicts_and_callables_only():
    X = pd.DataFrame({"g": np.tile(["f", "m"], 60)})
    y = np.repeat([0, 1], 60)
    base = EpochResampler(groups="g", balance="independence").fit(X, y)
    auto = EpochResampler(groups="g", balance="independence", sampling_strategy="auto").fit(
        X, y
    )
    assert auto.targets_ == base.targets_
    for spec in ("majority", 0.5):
        with pytest.raises(ValueError, match="independence"):
            EpochResampler(groups="g", balance="independence", sampling_strategy=spec).fit(
                X, y
            )
