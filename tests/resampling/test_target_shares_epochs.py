"""EpochResampler(target_shares=...): epochs with given shares per unit."""

import numpy as np
import pandas as pd
import pytest

from skweight import EpochResampler, GroupBalancedWeighter, shares_of


def _data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "cat": rng.choice(list("abc"), n, p=[0.5, 0.3, 0.2]),
            "g": rng.choice(["f", "m"], n, p=[0.8, 0.2]),
        }
    )


def _unit_counts(X, rows):
    return X.iloc[rows].groupby(["cat", "g"]).size()


def test_hand_computed_under_and_over_targets():
    # f 6 rows, m 2: shares 3:1 keep them as they are; 1:2 over -> 6 and 12
    X = pd.DataFrame({"g": ["f"] * 6 + ["m"] * 2})
    # shares f 1/4, m 3/4: m's 2 rows allow floor(2 / 3) = 0 rows of f
    under = EpochResampler("under", groups="g", target_shares={"f": 1, "m": 3}).fit(X)
    assert under.cell_table_["target"].tolist() == [0, 2]
    rs = EpochResampler("under", groups="g", target_shares={"f": 3, "m": 1}).fit(X)
    assert rs.cell_table_["target"].tolist() == [6, 2]
    rs = EpochResampler("over", groups="g", target_shares={"f": 1, "m": 2}).fit(X)
    assert rs.cell_table_["target"].tolist() == [6, 12]


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_epochs_have_the_target_shares_and_epoch_weights_the_strata_mix(strategy):
    X = _data()
    target = {"f": 0.6, "m": 0.4}
    rs = EpochResampler(
        strategy, groups="g", strata="cat", target_shares=target, random_state=0
    ).fit(X)
    for epoch in (0, 3):
        rows = rs.epoch_indices(epoch)
        counts = _unit_counts(X, rows)
        shares = counts / counts.groupby(level=0).transform("sum")
        for (_, g), share in shares.items():
            assert share == pytest.approx(target[g], abs=2e-3)  # whole rows
        w = rs.epoch_weights(epoch)
        category = X["cat"].to_numpy()[rows]
        mix = pd.Series(w).groupby(category).sum() / w.sum()
        full = X["cat"].value_counts(normalize=True).sort_index()
        np.testing.assert_allclose(mix.to_numpy(), full.to_numpy(), atol=1e-12)
    if strategy == "under":  # no row twice, the smallest unit whole
        assert np.unique(rows).size == rows.size
    else:  # no row dropped
        assert np.unique(rows).size == len(X)


def test_weights_strategy_uses_the_default_weighters_shares():
    X = _data()
    target = {"f": 0.3, "m": 0.7}
    rs = EpochResampler("weights", groups="g", target_shares=target, random_state=0)
    rows = rs.fit(X).epoch_indices(0)
    share = (X["g"].to_numpy()[rows] == "m").mean()
    assert share == pytest.approx(0.7, abs=2e-3)
    weighter = GroupBalancedWeighter(groups="g", target_shares=target)
    same = EpochResampler("weights", weighter=weighter, random_state=0).fit(X)
    np.testing.assert_array_equal(same.epoch_indices(0), rows)


def test_shares_of_a_reference_sample_gives_its_mix():
    X = _data()
    reference = _data(500, seed=5).assign(g=lambda d: np.where(d.index % 2, "f", "m"))
    target = shares_of(reference, "g", strata="cat")
    rs = EpochResampler("under", groups="g", strata="cat", target_shares=target)
    rows = rs.set_params(random_state=1).fit(X).epoch_indices(0)
    counts = _unit_counts(X, rows)
    shares = counts / counts.groupby(level=0).transform("sum")
    for (c, g), share in shares.items():
        assert share == pytest.approx(target[c][g], abs=3e-3)


def test_errors():
    X = _data(200)
    with pytest.raises(ValueError, match="share of 0; use strategy='under'"):
        EpochResampler("over", groups="g", target_shares={"f": 1, "m": 0}).fit(X)
    with pytest.raises(ValueError, match="Both target_shares and sampling_strategy"):
        EpochResampler(
            "under", groups="g", target_shares={"f": 1, "m": 1}, sampling_strategy="all"
        ).fit(X)
    with pytest.raises(ValueError, match="target_shares on the weighter"):
        EpochResampler(
            "weights", weighter=GroupBalancedWeighter(groups="g"), target_shares={"f": 1}
        ).fit(X)
    with pytest.raises(ValueError, match="no share to the unit"):
        EpochResampler("under", groups="g", target_shares={"f": 1}).fit(X)
