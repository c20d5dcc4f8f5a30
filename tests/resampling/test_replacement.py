"""draw=: the peers' draws with and without replacement, every epoch anew."""

import numpy as np
import pytest

from skweight import EpochResampler
from skweight.resampling.plan import weighted_distinct_rows

Y = np.repeat([0, 1, 2], [60, 25, 8])


def test_under_with_replacement_draws_like_random_under_sampler():
    pytest.importorskip("imblearn")
    from imblearn.under_sampling import RandomUnderSampler

    X = np.arange(len(Y)).reshape(-1, 1).astype(float)
    _, y_peer = RandomUnderSampler(replacement=True, random_state=0).fit_resample(X, Y)
    rs = EpochResampler("under", draw="random", random_state=0).fit(X, Y)
    epochs = [rs.epoch_indices(e) for e in range(300)]
    for rows in epochs[:3]:
        assert np.array_equal(np.bincount(Y[rows]), np.bincount(y_peer))
    assert any(len(np.unique(rows)) < len(rows) for rows in epochs)  # repeats happen
    assert not np.array_equal(epochs[0], epochs[1])
    assert np.array_equal(rs.epoch_indices(7), epochs[7])  # reproducible
    # Uniform within a unit: every row of class 0 drawn about 300 * 8 / 60 = 40 times.
    hits = np.bincount(np.concatenate(epochs), minlength=len(Y))[Y == 0]
    assert hits.min() > 15 and hits.max() < 70


def test_over_with_replacement_keeps_every_row_and_adds_draws():
    pytest.importorskip("imblearn")
    from imblearn.over_sampling import RandomOverSampler

    X = np.zeros((len(Y), 1))
    _, y_peer = RandomOverSampler(random_state=0).fit_resample(X, Y)
    rs = EpochResampler("over", draw="random", random_state=0).fit(X, Y)
    rows = rs.epoch_indices(2)
    assert np.array_equal(np.bincount(Y[rows]), np.bincount(y_peer))
    assert np.all(np.bincount(rows, minlength=len(Y)) >= 1)


def test_weights_without_replacement_draws_distinct_rows_in_proportion():
    sample_weight = np.where(Y == 2, 0.0, 1.0)  # class 2 is never drawn
    rs = EpochResampler(
        "weights", draw="sequential", n_samples=20, shuffle=False, random_state=0
    ).fit(None, Y, sample_weight=sample_weight)
    weights = rs._weights  # the weighter's weights: classes 0 and 1 balanced
    firsts = []
    for epoch in range(2000):
        rows = rs.epoch_indices(epoch)
        assert len(np.unique(rows)) == 20 and not np.any(Y[rows] == 2)
        # The draws in their sequential order (epochs come shuffled or sorted).
        firsts.append(Y[weighted_distinct_rows(weights, 20, rs.seed_, epoch)[0]])
        assert np.array_equal(
            np.sort(weighted_distinct_rows(weights, 20, rs.seed_, epoch)), rows
        )
    # The first draw is in proportion to the weights.
    expected = weights[Y == 1].sum() / weights.sum()
    assert np.mean(np.asarray(firsts) == 1) == pytest.approx(expected, abs=0.04)
    with pytest.raises(ValueError, match="only 85 have a positive weight"):
        EpochResampler("weights", draw="sequential", n_samples=90).fit(
            None, Y, sample_weight=sample_weight
        ).epoch_indices(0)


def test_dask_refuses_the_in_memory_draws():
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    from skweight.dask import DaskEpochResampler

    ddf = dd.from_pandas(pd.DataFrame({"y": Y}), npartitions=2)
    with pytest.raises(ValueError, match="in memory only"):
        DaskEpochResampler("under", draw="random").fit(ddf, ddf["y"])


@pytest.mark.parametrize("size", [0, 1, 5, 9, 10])
def test_weighted_distinct_rows_are_the_smallest_exponential_keys(size):
    # The reference: every positive row's key, fully sorted (no partition).
    weights = np.array([0.0, 1.0, 2.0, 0.5, 0.0, 3.0, 1.0, 1.0, 4.0, 0.2, 2.5, 1.5])
    positive = np.flatnonzero(weights > 0)
    from skweight.resampling.plan import STREAM_SELECT

    rng = np.random.default_rng([11, 4, STREAM_SELECT])
    keys = rng.standard_exponential(positive.size) / weights[positive]
    expected = positive[np.argsort(keys, kind="stable")[:size]]
    rows = weighted_distinct_rows(weights, size, 11, 4)
    assert rows.dtype == np.intp
    assert rows.tolist() == expected.tolist()


def test_weighted_distinct_rows_can_take_every_positive_row_but_no_more():
    weights = np.array([1.0, 0.0, 2.0, 3.0])
    rows = weighted_distinct_rows(weights, 3, 0, 0)
    assert sorted(rows.tolist()) == [0, 2, 3]
    with pytest.raises(
        ValueError,
        match=r"^Cannot draw 4 distinct rows: only 3 have a "
        r"positive weight\. Lower n_samples, or draw with replacement\.$",
    ):
        weighted_distinct_rows(weights, 4, 0, 0)


@pytest.mark.parametrize(
    "strategy, value, draw",
    [
        ("under", True, "random"),
        ("under", False, "rotate"),
        ("over", True, "random"),
        ("weights", True, "systematic"),
        ("weights", False, "sequential"),
    ],
)
def test_replacement_is_deprecated_for_draw(strategy, value, draw):
    with pytest.warns(FutureWarning, match=f"replacement={value}.*draw={draw!r}"):
        old = EpochResampler(strategy, replacement=value, random_state=0).fit(None, Y)
    new = EpochResampler(strategy, draw=draw, random_state=0).fit(None, Y)
    assert old.draw_ == new.draw_ == draw
    assert np.array_equal(old.epoch_indices(3), new.epoch_indices(3))
    with pytest.raises(ValueError, match="disagree"), pytest.warns(FutureWarning):
        other = "rotate" if draw != "rotate" else "random"
        if strategy == "weights":
            other = "random"
        EpochResampler(strategy, replacement=value, draw=other).fit(None, Y)


@pytest.mark.parametrize(
    "strategy, draw",
    [
        ("under", "systematic"),
        ("over", "sequential"),
        ("weights", "rotate"),
    ],
)
def test_a_draw_the_strategy_does_not_take_is_refused(strategy, draw):
    with pytest.raises(ValueError, match=f"draw={draw!r} is not a way strategy="):
        EpochResampler(strategy, draw=draw).fit(None, Y)


def test_default_draws_are_the_strategies_own():
    assert EpochResampler("under").fit(None, Y).draw_ == "rotate"
    assert EpochResampler("weights").fit(None, Y).draw_ == "systematic"


def test_weighted_random_rows_are_iid_in_proportion_to_the_weights():
    from skweight.resampling.plan import weighted_random_rows

    weights = np.array([0.0, 1.0, 3.0, 0.0, 6.0])
    counts = np.zeros(5)
    for epoch in range(400):
        rows = weighted_random_rows(weights, 50, 7, epoch)
        assert rows.size == 50 and np.all(np.diff(rows) >= 0)
        counts += np.bincount(rows, minlength=5)
    assert counts[[0, 3]].sum() == 0
    np.testing.assert_allclose(counts / counts.sum(), weights / weights.sum(), atol=0.01)
    # Independent draws: some epochs draw a row more often than its expected count
    # rounded up (the systematic draw never does).
    per_epoch = [
        np.bincount(weighted_random_rows(weights, 50, 7, e), minlength=5)[4]
        for e in range(50)
    ]
    assert max(per_epoch) > 30
