"""target_shares and shares_of: given shares per unit instead of equal ones."""

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter, shares_of
from skweight.diagnostics import weighter_report
from skweight.exceptions import WeightingWarning


def _data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "cat": rng.choice(list("abcd"), n, p=[0.4, 0.3, 0.2, 0.1]),
            "g": rng.choice(["f", "m", "x"], n, p=[0.6, 0.3, 0.1]),
        }
    )
    y = rng.choice([0, 1, 2], n, p=[0.7, 0.2, 0.1])
    return X, y


def _shares(w, keys):
    """Weighted share of each unit in its stratum (a Series by stratum, unit)."""
    sums = pd.Series(w).groupby(keys).sum()
    return sums / sums.groupby(level=0).transform("sum")


def test_hand_computed_label_shift():
    # classes 0, 0, 0, 1 to the priors 1/4, 3/4: 0 rows share 1/4 of 4 -> 1/3 each
    w = GroupBalancedWeighter(target_shares={0: 1, 1: 3}).fit_weight(None, [0, 0, 0, 1])
    np.testing.assert_allclose(w, [1 / 3, 1 / 3, 1 / 3, 3.0])


@pytest.mark.parametrize(
    "balance, unit, target",
    [
        ("label", "y", {0: 0.5, 1: 0.3, 2: 0.2}),
        ("groups", "g", {"f": 0.25, "m": 0.25, "x": 0.5}),
        (
            "joint",
            ("g", "y"),
            {(g, c): s for g in "fmx" for c, s in zip((0, 1, 2), (0.2, 0.1, 1 / 30))},
        ),
    ],
)
def test_weighted_shares_equal_the_targets_in_every_mode_and_stratum(balance, unit, target):
    X, y = _data()
    X = X.assign(y=y)
    w = GroupBalancedWeighter(
        groups="g" if balance != "label" else None,
        strata="cat",
        balance=balance,
        target_shares=target,
    ).fit_weight(X, y)
    columns = [unit] if isinstance(unit, str) else list(unit)
    got = _shares(w, [X["cat"]] + [X[c] for c in columns])
    total = sum(target.values())
    for (_, *key), share in got.items():
        key = key[0] if len(key) == 1 else tuple(key)
        assert share == pytest.approx(target[key] / total, abs=1e-12)
    # stratum totals kept
    np.testing.assert_allclose(
        pd.Series(w).groupby(X["cat"]).sum(), X["cat"].value_counts().sort_index()
    )


def test_a_dict_per_stratum():
    X, y = _data()
    target = {c: {"f": 0.5, "m": 0.5 - i / 10, "x": i / 10} for i, c in enumerate("abcd")}
    w = GroupBalancedWeighter(groups="g", strata="cat", target_shares=target).fit_weight(X)
    for (c, g), share in _shares(w, [X["cat"], X["g"]]).items():
        assert share == pytest.approx(target[c][g], abs=1e-12)


def test_several_group_columns_are_a_tuple():
    X, y = _data()
    X["h"] = np.where(np.arange(len(X)) % 3 == 0, "p", "q")
    target = {(g, h): 1.0 + (h == "p") for g in "fmx" for h in "pq"}
    w = GroupBalancedWeighter(groups=["g", "h"], target_shares=target).fit_weight(X)
    got = pd.Series(w).groupby([X["g"], X["h"]]).sum() / w.sum()
    for key, share in got.items():
        assert share == pytest.approx(target[key] / 9, abs=1e-12)


def test_shares_of_the_data_itself_change_nothing():
    X, y = _data()
    target = shares_of(X, "g", strata="cat")
    w = GroupBalancedWeighter(groups="g", strata="cat", target_shares=target).fit_weight(X)
    np.testing.assert_allclose(w, 1.0, rtol=1e-12)


def test_equal_shares_are_the_default():
    X, y = _data()
    plain = GroupBalancedWeighter(groups="g", strata="cat").fit_weight(X)
    equal = GroupBalancedWeighter(
        groups="g", strata="cat", target_shares={"f": 1, "m": 1, "x": 1}
    ).fit_weight(X)
    np.testing.assert_allclose(equal, plain, rtol=1e-13)
    for scheme in ("sqrt_inverse", "log_inverse", "power"):
        a = GroupBalancedWeighter(groups="g", strata="cat", scheme=scheme, power=0.5)
        b = GroupBalancedWeighter(
            groups="g",
            strata="cat",
            scheme=scheme,
            power=0.5,
            target_shares={"f": 2, "m": 2, "x": 2},
        )
        np.testing.assert_allclose(b.fit_weight(X), a.fit_weight(X), rtol=1e-12)


def test_other_schemes_move_toward_the_target():
    X, y = _data()
    target = {"f": 0.2, "m": 0.3, "x": 0.5}
    before = X["g"].value_counts(normalize=True)
    sqrt = GroupBalancedWeighter(groups="g", scheme="sqrt_inverse", target_shares=target)
    got = pd.Series(sqrt.fit_weight(X)).groupby(X["g"]).sum()
    got = got / got.sum()
    for g, t in target.items():  # the geometric mean of observed and target shares
        expected = np.sqrt(before[g] * t)
        assert got[g] == pytest.approx(
            expected / sum(np.sqrt(before[k] * target[k]) for k in target)
        )
    # the effective number: between no correction and the target
    ens = EffectiveNumberWeighter(beta=0.999, groups="g", target_shares=target)
    got = pd.Series(ens.fit_weight(X)).groupby(X["g"]).sum() / len(X)
    assert got["x"] > before["x"] and got["f"] < before["f"]


def test_a_share_of_zero_drops_the_unit_and_strength_blends():
    X, y = _data()
    w = GroupBalancedWeighter(
        groups="g", target_shares={"f": 1, "m": 1, "x": 0}
    ).fit_weight(X)
    assert np.all(w[X["g"] == "x"] == 0) and w.sum() == pytest.approx(len(X))
    full = GroupBalancedWeighter(groups="g", target_shares={"f": 1, "m": 2, "x": 3})
    half = GroupBalancedWeighter(
        groups="g", target_shares={"f": 1, "m": 2, "x": 3}, strength=0.5
    )
    np.testing.assert_allclose(half.fit_weight(X), 0.5 + 0.5 * full.fit_weight(X))


def test_cap_and_class_weight_combine_with_targets():
    X, y = _data()
    w = GroupBalancedWeighter(
        groups="g",
        balance="joint",
        target_shares={(g, c): 1 for g in "fmx" for c in (0, 1, 2)},
        class_weight={2: 3.0},
        max_weight=4.0,
    ).fit_weight(X, y)
    assert w.max() <= 4.0 * w.mean() * (1 + 1e-12)
    assert w.mean() == pytest.approx(1.0)


def test_report_measures_the_deviation_from_the_targets():
    X, y = _data()
    weighter = GroupBalancedWeighter(
        groups="g", strata="cat", target_shares={"f": 0.5, "m": 0.3, "x": 0.2}
    ).fit(X)
    table = weighter.weight_table_
    assert set(table["target_share"].round(12)) == {0.5, 0.3, 0.2}
    report = weighter_report(weighter)
    assert report.attrs["max_deviation"] < 1e-12
    assert "target_share" not in GroupBalancedWeighter(groups="g").fit(X).weight_table_


def test_partial_fit_in_any_chunk_order_gives_the_fit():
    X, y = _data()
    target = {"f": 0.5, "m": 0.3, "x": 0.2}
    full = GroupBalancedWeighter(groups="g", strata="cat", target_shares=target).fit(X)
    chunks = GroupBalancedWeighter(groups="g", strata="cat", target_shares=target)
    for part in np.array_split(np.random.default_rng(1).permutation(len(X)), 5)[::-1]:
        chunks.partial_fit(X.iloc[part])
    np.testing.assert_allclose(chunks.weight(X), full.weight(X), rtol=1e-13)


@pytest.mark.parametrize(
    "target, message",
    [
        ({"f": 0.5, "m": 0.5}, r"no share to the unit \{'g': 'x'\}"),
        ({"q": 1, "z": 2}, "names no unit the fitted rows have"),
        ({"f": -1, "m": 1, "x": 1}, r"target_shares\['f'\] must be a finite number"),
        ({"f": 1, "m": True, "x": 1}, "must be a finite number"),
        ({"f": 0, "m": 0, "x": 0}, "a share of 0: all its rows would weigh 0"),
        ({"a": {"f": 1}, "f": 1}, "mixes shares and dicts"),
        ({}, "target_shares is empty"),
        ({("f", 1): 1}, r"names a unit by 1 column\(s\) \['g'\]"),
    ],
)
def test_clear_errors(target, message):
    X, _ = _data(300)
    with pytest.raises(ValueError, match=message):
        GroupBalancedWeighter(groups="g", target_shares=target).fit(X)


def test_errors_of_the_modes_and_targets():
    X, y = _data(300)
    with pytest.raises(ValueError, match="balance='independence' has none"):
        GroupBalancedWeighter(
            groups="g", balance="independence", target_shares={"f": 1}
        ).fit(X, y)
    with pytest.raises(ValueError, match="the weighter has no strata"):
        GroupBalancedWeighter(groups="g", target_shares={"a": {"f": 1}}).fit(X)
    with pytest.raises(ValueError, match="not available for a multi-label target"):
        GroupBalancedWeighter(target_shares={0: 1}).fit(
            None, np.array([[0, 1], [1, 0], [1, 1]])
        )
    with pytest.raises(ValueError, match=r"names the unit \('a', 'f'\) twice"):
        GroupBalancedWeighter(
            groups="g",
            strata="cat",
            target_shares={"a": {"f": 1, "m": 1, "x": 1}, ("a",): {"f": 1}},
        ).fit(X)


def test_a_unit_without_rows_in_a_stratum_warns():
    X = pd.DataFrame({"cat": ["a", "a", "b", "b"], "g": ["f", "m", "f", "f"]})
    with pytest.warns(WeightingWarning, match="has no rows"):
        w = GroupBalancedWeighter(
            groups="g", strata="cat", target_shares={"f": 0.5, "m": 0.5}
        ).fit_weight(X)
    np.testing.assert_allclose(w, [1, 1, 1, 1])
    with pytest.warns(WeightingWarning, match=r"without rows \(or weight\) in their"):
        GroupBalancedWeighter(
            groups="g",
            strata="cat",
            target_shares={"a": {"f": 1, "m": 1}, "b": {"f": 1, "m": 1}},
        ).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GroupBalancedWeighter(groups="g", target_shares={"f": 0.5, "m": 0.5}).fit(X)


def test_target_shares_is_not_mutated_and_clones():
    X, _ = _data(300)
    target = {"a": {"f": 1, "m": 1, "x": 1}, "b": {"f": 1, "m": 2, "x": 1}}
    target |= {"c": {"f": 1, "m": 1, "x": 1}, "d": {"f": 1, "m": 1, "x": 1}}
    copy = {k: dict(v) for k, v in target.items()}
    weighter = GroupBalancedWeighter(groups="g", strata="cat", target_shares=target)
    weighter.fit(X)
    assert target == copy
    from sklearn.base import clone

    assert clone(weighter).get_params()["target_shares"] == copy


# ---------------------------------------------------------------------- #
# shares_of
# ---------------------------------------------------------------------- #
def test_shares_of_values_columns_strata_and_weights():
    assert shares_of(["a", "b", "b", "b"]) == {"a": 0.25, "b": 0.75}
    assert shares_of(np.array([2, 1, 1, 2, 2])) == {1: 0.4, 2: 0.6}
    frame = pd.DataFrame(
        {
            "s": ["u", "u", "v", "v"],
            "g": ["f", "m", "f", "f"],
            "y": [0, 1, 1, 1],
            "n": [3.0, 1.0, 2.0, 2.0],
        }
    )
    assert shares_of(frame, ["g", "y"]) == {("f", 0): 0.25, ("f", 1): 0.5, ("m", 1): 0.25}
    assert shares_of(frame, "g", strata="s") == {"u": {"f": 0.5, "m": 0.5}, "v": {"f": 1.0}}
    assert shares_of(frame, "g", sample_weight="n") == {"f": 0.875, "m": 0.125}
    assert shares_of(frame, "g", sample_weight=[1, 1, 0, 2]) == {"f": 0.75, "m": 0.25}
    assert shares_of(frame, "g", strata=["s", "y"])[("u", 0)] == {"f": 1.0}
    assert shares_of(frame, ("g",)) == shares_of(frame, "g") == {"f": 0.75, "m": 0.25}


def test_shares_of_a_polars_frame_is_that_of_pandas():
    frame = pd.DataFrame({"s": ["u", "u", "v", "v"], "g": ["f", "m", "f", "f"]})
    assert shares_of(pl.from_pandas(frame), "g", strata="s") == shares_of(
        frame, "g", strata="s"
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda f: shares_of(f, "nope"), "data has no column 'nope'"),
        (
            lambda f: shares_of(f, "g", sample_weight=[1, 2]),
            "sample_weight must be 4 finite",
        ),
        (
            lambda f: shares_of(f, "g", sample_weight=[1, -1, 1, 1]),
            "sample_weight must be 4 finite",
        ),
        (lambda f: shares_of([[1, 2]]), "needs one column of values"),
        (lambda f: shares_of([1, 2], strata="s"), "need columns="),
        (lambda f: shares_of([]), "at least one row"),
        (lambda f: shares_of(f, "g", sample_weight=[0, 0, 1, 1], strata="s"), "sum to 0"),
    ],
)
def test_shares_of_errors(call, message):
    frame = pd.DataFrame({"s": ["u", "u", "v", "v"], "g": ["f", "m", "f", "f"]})
    with pytest.raises(ValueError, match=message):
        call(frame)
    with pytest.raises(TypeError, match="needs a dataframe"):
        shares_of([1, 2], "g")


@settings(max_examples=40, deadline=None)
@given(
    codes=st.lists(
        st.tuples(st.integers(0, 2), st.integers(0, 3)), min_size=1, max_size=60
    ),
    raw=st.lists(st.floats(0.01, 100.0), min_size=4, max_size=4),
)
def test_property_weighted_shares_are_the_targets(codes, raw):
    strata, groups = map(np.array, zip(*codes))
    present = {int(g) for g in groups}
    target = {g: raw[g] for g in present}  # a value the rows lack is an error
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WeightingWarning)
        w = GroupBalancedWeighter(target_shares=target).fit_weight(
            None, sensitive_features=groups, strata_features=strata
        )
    for s in np.unique(strata):
        inside = strata == s
        units = set(groups[inside].tolist())
        total = sum(raw[g] for g in units)
        for g in units:
            share = w[inside & (groups == g)].sum() / w[inside].sum()
            assert share == pytest.approx(raw[g] / total, abs=1e-12)
        assert w[inside].sum() == pytest.approx(inside.sum(), rel=1e-12)


def test_a_key_no_row_has_warns_and_the_others_are_scaled_up():
    # label shift: the deployment data have a class the training rows lack
    with pytest.warns(WeightingWarning, match="names 2, which no fitted row has"):
        w = GroupBalancedWeighter(target_shares={0: 0.2, 1: 0.6, 2: 0.2}).fit_weight(
            None, [0, 0, 0, 1]
        )
    np.testing.assert_allclose(w, [1 / 3, 1 / 3, 1 / 3, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a share of 0 for it: nothing to say
        GroupBalancedWeighter(target_shares={0: 1, 1: 3, 2: 0}).fit(None, [0, 0, 0, 1])


def test_units_whose_rows_weigh_zero_keep_the_totals_and_targets():
    frame = pd.DataFrame({"s": ["a"] * 6 + ["b"] * 4, "y": [0, 0, 0, 1, 1, 2, 0, 1, 2, 2]})
    sw = np.array([1, 1, 1, 1, 1, 0, 1, 1, 1, 1], dtype=float)
    target = {0: 0.5, 1: 0.3, 2: 0.2}
    with pytest.warns(WeightingWarning, match="no rows \\(or no weight\\)"):
        w = GroupBalancedWeighter(strata="s", target_shares=target).fit_weight(
            frame, "y", sample_weight=sw
        )
    sums = pd.Series(w).groupby(frame["s"]).sum()
    np.testing.assert_allclose(sums.to_numpy(), [5.0, 4.0])  # the incoming totals
    a = (frame["s"] == "a").to_numpy()
    shares = pd.Series(w[a]).groupby(frame["y"][a].to_numpy()).sum() / w[a].sum()
    np.testing.assert_allclose(shares.to_numpy(), [0.5 / 0.8, 0.3 / 0.8, 0.0])
    with pytest.raises(ValueError, match="that has weight a share of 0"):
        GroupBalancedWeighter(target_shares={0: 0, 1: 0, 2: 1}).fit(
            None, [0, 1, 2], sample_weight=[1, 1, 0]
        )


@pytest.mark.parametrize("strength", [0.0, 0.5])
def test_strength_with_a_share_of_zero_keeps_the_strata_totals(strength):
    frame = pd.DataFrame({"s": ["a"] * 6 + ["b"] * 4, "y": [0, 0, 0, 1, 1, 2, 0, 1, 1, 1]})
    w = GroupBalancedWeighter(
        strata="s", target_shares={0: 0.5, 1: 0.5, 2: 0}, strength=strength
    ).fit_weight(frame, "y")
    sums = pd.Series(w).groupby(frame["s"]).sum()
    np.testing.assert_allclose(sums.to_numpy(), [6.0, 4.0])
    assert w[5] == 0.0


def test_the_missing_level_is_named_by_none_or_nan():
    X = pd.DataFrame({"g": ["f", "f", None, "m", "m", "m"]})
    for key in (None, np.nan):
        w = GroupBalancedWeighter(
            groups="g", handle_missing="category", target_shares={"f": 1, "m": 1, key: 2}
        ).fit_weight(X)
        assert w[2] == pytest.approx(3.0)


def test_partial_fit_waits_for_the_named_units_quietly():
    weighter = GroupBalancedWeighter(target_shares={0: 0.5, 1: 0.3, 2: 0.2})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        weighter.partial_fit(None, [0, 0, 1])
        w = weighter.weight(None, [0, 1])
    np.testing.assert_allclose(w, [0.625 * 3 / 2, 0.375 * 3])  # 0.5, 0.3 of 0.8
    weighter.partial_fit(None, [2, 2])
    got = weighter.weight(None, [0, 0, 1, 2, 2])
    np.testing.assert_allclose(got, [1.25, 1.25, 1.5, 0.5, 0.5])


def test_a_multi_output_target_is_refused():
    Y = np.array([[0, 1], [1, 2], [0, 2], [1, 1]])
    with pytest.raises(ValueError, match="y has 2 outputs"):
        GroupBalancedWeighter(target_shares={0: 1, 1: 1}).fit(None, Y)


def test_warnings_name_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GroupBalancedWeighter(target_shares={0: 1, 1: 1, 2: 1}).fit(None, [0, 1])
    ours = [w for w in caught if issubclass(w.category, WeightingWarning)]
    assert ours and all(w.filename == __file__ for w in ours)


def test_group_units_with_a_label_given():
    X, y = _data()
    shares = {"f": 0.2, "m": 0.3, "x": 0.5}
    w = GroupBalancedWeighter(groups="g", balance="groups", target_shares=shares)
    got = pd.Series(w.fit_weight(X, y)).groupby(X["g"]).sum() / len(y)
    np.testing.assert_allclose(got.to_numpy(), [0.2, 0.3, 0.5], atol=1e-12)


def test_per_stratum_keys_checked_column_by_column():
    X = pd.DataFrame({"cat": ["a", "a", "b", "b"], "g": ["f", "m", "f", "m"]})
    target = {"a": {"f": 1, "m": 3}, "b": {"f": 1, "m": 1}, "zz": {"f": 5, "m": 1}}
    with pytest.warns(WeightingWarning, match=r"names \('zz', 'f'\), which no fitted"):
        w = GroupBalancedWeighter(groups="g", strata="cat", target_shares=target)
        got = w.fit_weight(X)
    np.testing.assert_allclose(got, [0.5, 1.5, 1.0, 1.0])


def test_the_repeated_unit_is_the_one_named():
    X = pd.DataFrame({"cat": ["a", "a"], "g": ["f", "m"]})
    target = {"a": {"f": 1, "m": 1}, ("a",): {"m": 1}}
    with pytest.raises(ValueError, match=r"names the unit \('a', 'm'\) twice"):
        GroupBalancedWeighter(groups="g", strata="cat", target_shares=target).fit(X)


def test_a_missing_share_names_its_stratum():
    X = pd.DataFrame({"cat": ["a", "a", "b", "b"], "g": ["f", "m", "f", "m"]})
    target = {"a": {"f": 1, "m": 1}, "b": {"f": 1}}
    with pytest.raises(ValueError, match=r"\{'g': 'm'\} in the stratum \{'cat': 'b'\}"):
        GroupBalancedWeighter(groups="g", strata="cat", target_shares=target).fit(X)


def test_a_stratum_whose_rows_all_weigh_zero_is_no_error():
    X = pd.DataFrame({"cat": ["a", "a", "b", "b"], "g": ["f", "m", "f", "m"]})
    w = GroupBalancedWeighter(
        groups="g", strata="cat", target_shares={"f": 1, "m": 3}
    ).fit_weight(X, sample_weight=[1, 1, 0, 0])
    np.testing.assert_allclose(w, [0.5, 1.5, 0.0, 0.0])
