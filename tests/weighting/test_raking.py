"""RakingWeighter: iterative proportional fitting to several margins at once."""

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skweight import RakingWeighter, WeightedEstimator, shares_of
from skweight.exceptions import WeightingWarning
from skweight.weighting.raking import rake

MARGINS = {
    "g": {"f": 0.5, "m": 0.5},
    "a": {"18-29": 0.2, "30-44": 0.25, "45-64": 0.35, "65+": 0.2},
    "r": {"n": 0.4, "s": 0.3, "e": 0.2, "w": 0.1},
}


def _data(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "g": rng.choice(["f", "m"], n, p=[0.65, 0.35]),
            "a": rng.choice(list(MARGINS["a"]), n, p=[0.4, 0.3, 0.2, 0.1]),
            "r": rng.choice(list(MARGINS["r"]), n, p=[0.1, 0.2, 0.3, 0.4]),
        }
    )


def _dense_ipf(X, margins, weights=None, sweeps=2000):
    """Plain IPF on the dense joint table (numpy), the reference."""
    columns = list(margins)
    levels = [sorted(margins[c]) for c in columns]
    codes = [pd.Categorical(X[c], categories=lv).codes for c, lv in zip(columns, levels)]
    shape = tuple(len(lv) for lv in levels)
    flat = np.ravel_multi_index(codes, shape)
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=float)
    table = np.bincount(flat, weights=w, minlength=int(np.prod(shape))).reshape(shape)
    fitted = table.copy()
    for _ in range(sweeps):
        for axis, (c, lv) in enumerate(zip(columns, levels)):
            target = np.array([margins[c][v] for v in lv]) * table.sum()
            others = tuple(i for i in range(len(shape)) if i != axis)
            sums = fitted.sum(axis=others)
            ratio = np.where(sums > 0, target / np.where(sums > 0, sums, 1), 0)
            view = [1] * len(shape)
            view[axis] = -1
            fitted = fitted * ratio.reshape(view)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(table > 0, fitted / table, 0)
    return factor.ravel()[flat] * (1 if weights is None else w)


def test_hand_computed_two_by_two():
    # cells (f, young) 1, (f, old) 3, (m, young) 1, (m, old) 1; margins 1/2 each.
    # The raked table [[a, b], [c, d]] has a + b = c + d = a + c = b + d = 3 and
    # the odds ratio of the data, a d / (b c) = 1/3: a = d = 3 - 1.5 * (sqrt 3 - 1)...
    X = pd.DataFrame(
        {
            "gender": ["f", "f", "f", "f", "m", "m"],
            "age": ["young", "old", "old", "old", "young", "old"],
        }
    )
    margins = {"gender": {"f": 1, "m": 1}, "age": {"young": 1, "old": 1}}
    w = RakingWeighter(margins, tol=1e-14, max_iter=1000).fit_weight(X)
    a, b = w[0], w[1] * 3  # (f, young), (f, old)
    c, d = w[4], w[5]
    assert a + b == pytest.approx(3) and c + d == pytest.approx(3)
    assert a + c == pytest.approx(3) and b + d == pytest.approx(3)
    assert a * d / (b * c) == pytest.approx(1 / 3)  # IPF keeps the odds ratio
    # a = d, b = c = 3 - a and a^2 / (3 - a)^2 = 1/3
    assert a == pytest.approx(3 / (1 + np.sqrt(3)))


def test_equal_to_a_plain_ipf_on_the_joint_table():
    X = _data()
    w = RakingWeighter(MARGINS, tol=1e-15, max_iter=2000).fit_weight(X)
    np.testing.assert_allclose(w, _dense_ipf(X, MARGINS), rtol=1e-10, atol=1e-12)


def test_margins_within_tol_and_the_report():
    X = _data()
    raking = RakingWeighter(MARGINS, tol=1e-8).fit(X)
    w = raking.weight(X)
    assert raking.converged_ and 1 <= raking.n_iter_ < 100
    assert w.mean() == pytest.approx(1.0)
    for column, shares in MARGINS.items():
        got = pd.Series(w).groupby(X[column]).sum() / w.sum()
        for level, share in shares.items():
            assert abs(got[level] - share) <= 1e-8
    report = raking.margin_report()
    assert list(report.columns) == [
        "margin",
        "level",
        "target",
        "share_before",
        "share_after",
        "deviation",
    ]
    assert report["deviation"].abs().max() <= 1e-8
    before = X["g"].value_counts(normalize=True)
    row = report[(report["margin"] == "g") & (report["level"] == "f")].iloc[0]
    assert row["share_before"] == pytest.approx(before["f"])
    assert row["target"] == 0.5


def test_bounded_raking_holds_the_cap_and_the_margins():
    X = _data()
    free = RakingWeighter(MARGINS).fit_weight(X)
    assert free.max() > 10
    raking = RakingWeighter(MARGINS, max_weight=5.0, tol=1e-7, max_iter=500).fit(X)
    w = raking.weight(X)
    assert raking.converged_
    assert w.max() <= 5.0 * (1 + 1e-12)
    assert raking.margin_report()["deviation"].abs().max() <= 1e-7


def test_an_impossible_cap_warns_and_says_so():
    X = _data(2000)
    with pytest.warns(
        ConvergenceWarning, match="did not converge in 20 sweeps.*max_weight=1.1"
    ):
        raking = RakingWeighter(MARGINS, max_weight=1.1, max_iter=20).fit(X)
    assert not raking.converged_ and raking.n_iter_ == 20
    assert raking.weight(X).max() <= 1.1 * (1 + 1e-12)


def test_base_weights_act_as_repeated_rows():
    X = _data(800)
    counts = np.random.default_rng(2).integers(0, 4, len(X))
    weighted = RakingWeighter(MARGINS, tol=1e-13, max_iter=2000)
    w = weighted.fit_weight(X, sample_weight=counts)
    repeated = X.loc[X.index.repeat(counts)].reset_index(drop=True)
    r = RakingWeighter(MARGINS, tol=1e-13, max_iter=2000).fit(repeated)
    np.testing.assert_allclose(w, r.weight(X) * counts, rtol=1e-9, atol=1e-12)
    ipf = _dense_ipf(X, MARGINS, weights=counts)
    np.testing.assert_allclose(w, ipf, rtol=1e-9, atol=1e-12)


def test_chunks_in_any_order_give_the_fit():
    X = _data()
    full = RakingWeighter(MARGINS).fit(X)
    chunks = RakingWeighter(MARGINS)
    for part in np.array_split(np.random.default_rng(3).permutation(len(X)), 4):
        chunks.partial_fit(X.iloc[part])
    np.testing.assert_array_equal(chunks.weight(X), full.weight(X))


def test_the_margins_of_a_reference_sample():
    X = _data()
    reference = _data(3000, seed=9)
    margins = {c: shares_of(reference, c) for c in ("g", "a")}
    w = RakingWeighter(margins, tol=1e-10).fit_weight(X)
    for c in ("g", "a"):
        got = pd.Series(w).groupby(X[c]).sum() / w.sum()
        for level, share in margins[c].items():
            assert got[level] == pytest.approx(share, abs=1e-10)


def test_polars_input():
    X = _data()
    expected = RakingWeighter(MARGINS).fit_weight(X)
    got = RakingWeighter(MARGINS).fit_weight(pl.from_pandas(X))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_one_margin_is_a_target_share():
    X = _data()
    from skweight import GroupBalancedWeighter

    shares = {"f": 0.3, "m": 0.7}
    raked = RakingWeighter({"g": shares}).fit_weight(X)
    target = GroupBalancedWeighter(groups="g", target_shares=shares).fit_weight(X)
    np.testing.assert_allclose(raked, target, rtol=1e-12)


def test_a_share_of_zero_drops_the_rows_and_with_params():
    X = _data(1000)
    margins = {"g": {"f": 1, "m": 0}, "r": {"n": 1, "s": 1, "e": 1, "w": 1}}
    w = RakingWeighter(margins).fit_weight(X)
    assert np.all(w[X["g"] == "m"] == 0)
    raking = RakingWeighter(MARGINS).fit(X)
    capped = raking.with_params(max_weight=2.0, max_iter=500)
    assert capped.weight(X).max() <= 2.0 * (1 + 1e-12)
    assert raking.weight(X).max() > 2.0  # the original is unchanged
    with pytest.raises(ValueError, match="are not those fitted"):
        raking.with_params(margins={"g": {"f": 1, "m": 1}})


@pytest.mark.parametrize(
    "margins, message",
    [
        ({}, "margins is empty"),
        ({"g": {"f": 1}}, r"margins\['g'\] gives no share to 'm', which has rows"),
        ({"g": {"f": 1, "m": 1, "x": 1}}, "margins names 'x' for the column 'g'"),
        ({"g": {"f": -1, "m": 1}}, r"margins\['g'\]\['f'\] must be a finite number"),
        ({"g": {"f": 0, "m": 0}}, "gives every level a share of 0"),
        ({"g": [0.5, 0.5]}, r"margins\['g'\] must be a non-empty dict"),
        ({0: {"f": 1}}, "keyed by column names"),
        ({"nope": {"f": 1}}, "nope"),
    ],
)
def test_clear_errors(margins, message):
    X = _data(200)
    with pytest.raises((ValueError, KeyError), match=message):
        RakingWeighter(margins).fit(X)


def test_a_level_whose_rows_weigh_zero_is_an_error():
    X = _data(200)
    w = np.where(X["g"] == "m", 0.0, 1.0)
    with pytest.raises(ValueError, match="its rows weigh 0"):
        RakingWeighter({"g": {"f": 1, "m": 1}}).fit(X, sample_weight=w)


def test_estimator_faces():
    X = _data(600).assign(x=np.arange(600) % 7)
    y = (X["g"] == "f").to_numpy().astype(int)
    raking = RakingWeighter(MARGINS)
    assert clone(raking).get_params()["margins"] == MARGINS
    features = ColumnTransformer([("x", "passthrough", ["x"])])
    model = WeightedEstimator(
        make_pipeline(features, LogisticRegression()), weighter=raking
    )
    model.fit(X, y)
    np.testing.assert_allclose(
        model.weighter_.weight(X), RakingWeighter(MARGINS).fit_weight(X)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", WeightingWarning)  # heavy cells: legitimate
        big = _data()
        RakingWeighter(MARGINS).fit(big, np.arange(len(big)) % 2)  # y is not used


def test_rake_on_arrays():
    counts = np.array([1.0, 3.0, 1.0, 1.0])
    codes = [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])]
    targets = [np.array([3.0, 3.0]), np.array([3.0, 3.0])]
    factors, n_iter, converged = rake(counts, codes, targets, tol=1e-12, max_iter=500)
    assert converged
    weighted = counts * factors
    np.testing.assert_allclose(np.bincount(codes[0], weighted), [3, 3])
    np.testing.assert_allclose(np.bincount(codes[1], weighted), [3, 3])


def test_torch_dataset():
    torch = pytest.importorskip("torch")
    from skweight.torch import WeightedDataset

    X = _data(1000)
    raking = RakingWeighter(MARGINS, max_iter=300).fit(X)
    data = torch.utils.data.TensorDataset(torch.arange(len(X)))
    dataset = WeightedDataset.from_weighter(data, raking, X)
    np.testing.assert_allclose(dataset.weights.numpy(), raking.weight(X))


def test_dask_and_lazy_frames_give_the_in_memory_weights():
    X = _data(3000)
    expected = RakingWeighter(MARGINS).fit_weight(X)
    lazy = RakingWeighter(MARGINS).fit_weight(pl.from_pandas(X).lazy(), None)
    np.testing.assert_allclose(lazy.collect()["weight"].to_numpy(), expected, rtol=1e-12)
    dd = pytest.importorskip("dask.dataframe")
    got = RakingWeighter(MARGINS).fit_weight(dd.from_pandas(X, npartitions=3))
    np.testing.assert_allclose(got.compute().to_numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("key", [None, np.nan])
def test_the_missing_level_has_its_share_and_its_report_row(key):
    X = pd.DataFrame({"g": [1.0, 1.0, np.nan, 2.0, 2.0, 1.0]})
    raking = RakingWeighter(
        {"g": {1.0: 0.4, 2.0: 0.4, key: 0.2}}, handle_missing="category"
    )
    w = raking.fit_weight(X)
    assert w[2] / w.sum() == pytest.approx(0.2)
    report = raking.margin_report()
    missing = report[report["level"].isna()].iloc[0]
    assert missing["target"] == pytest.approx(0.2)
    assert abs(missing["deviation"]) < 1e-9


def _sweeps_to(X, margins, tol):
    """Sweeps a plain IPF on the joint table needs to bring every share within tol."""
    columns = list(margins)
    codes = [pd.factorize(X[c], sort=True) for c in columns]
    shape = tuple(len(u) for _, u in codes)
    table = np.zeros(shape)
    np.add.at(table, tuple(c for c, _ in codes), 1.0)
    targets = [
        np.array([margins[c][v] for v in u]) / sum(margins[c].values())
        for c, (_, u) in zip(columns, codes)
    ]
    axes = range(len(shape))
    for sweep in range(1, 1000):
        for axis, t in enumerate(targets):
            sums = table.sum(axis=tuple(a for a in axes if a != axis))
            view = [1] * len(shape)
            view[axis] = -1
            table = table * (t * len(X) / sums).reshape(view)
        error = max(
            np.abs(table.sum(axis=tuple(a for a in axes if a != axis)) / len(X) - t).max()
            for axis, t in enumerate(targets)
        )
        if error <= tol:
            return sweep
    raise AssertionError("no convergence")


@pytest.mark.parametrize("tol", [1e-3, 1e-6, 1e-9])
def test_n_iter_counts_the_sweeps_of_a_plain_ipf(tol):
    X = _data(4000)
    raking = RakingWeighter(MARGINS, tol=tol, max_iter=500).fit(X)
    assert raking.converged_
    assert raking.n_iter_ == _sweeps_to(X, MARGINS, tol)


def test_data_already_at_the_margins_take_one_sweep():
    X = pd.DataFrame({"g": ["f", "m"] * 4, "a": ["y", "y", "o", "o"] * 2})
    raking = RakingWeighter({"g": {"f": 1, "m": 1}, "a": {"y": 1, "o": 1}}).fit(X)
    assert (raking.n_iter_, raking.converged_) == (1, True)
    np.testing.assert_array_equal(raking.weight(X), 1.0)


def test_a_level_of_share_zero_may_weigh_zero():
    X = pd.DataFrame({"g": ["f", "m", "x", "f", "m", "x"]})
    w = RakingWeighter({"g": {"f": 1, "m": 1, "x": 0}}).fit_weight(
        X, sample_weight=[1, 1, 0, 1, 3, 0]
    )
    np.testing.assert_allclose(w, [1.5, 0.75, 0.0, 1.5, 2.25, 0.0])  # f 2 -> 3, m 4 -> 3
