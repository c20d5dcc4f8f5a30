"""One promise for every frame kind: the same weights, tables and epochs.

The same rows given as pandas (numpy, Categorical, arrow and nullable dtypes),
polars (String and Categorical), pyarrow, a polars LazyFrame, DuckDB or dask
give the same ``weight_table_``, the same weights and, for the resampler, the
same rows in every epoch, with the caller's own type back from
``fit_resample``.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from skweight.diagnostics import balance_report

from .frame_kinds import EAGER, LAZY, params


def _data(n=400, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "category": rng.choice(["toys", "beauty", "tools"], n, p=[0.5, 0.3, 0.2]),
            "gender": rng.choice(["m", "f"], n, p=[0.7, 0.3]),
            "stars": rng.choice([5, 1, 3], n, p=[0.6, 0.3, 0.1]),
            "price": rng.random(n),
            "row": np.arange(n),
        }
    )


DF = _data()
WEIGHTERS = [
    GroupBalancedWeighter(groups="gender", strata="category"),
    GroupBalancedWeighter(groups="gender", strata="category", balance="joint"),
    GroupBalancedWeighter(groups=["gender"], balance="independence", scheme="sqrt_inverse"),
    GroupBalancedWeighter(strata="category", scheme="log_inverse"),
    EffectiveNumberWeighter(beta=0.99, groups="gender", balance="joint", max_weight=2.0),
]


def _plain_table(table):
    """A weight table with plain object keys, for comparison across kinds."""
    table = table.copy()
    for column in table.columns:
        if not pd.api.types.is_numeric_dtype(table[column]):
            table[column] = table[column].astype(object)
        elif column not in ("count", "weighted_count", "factor"):
            table[column] = table[column].astype(np.int64)
    return table


@pytest.mark.parametrize("make", params(EAGER))
@pytest.mark.parametrize("weighter", WEIGHTERS, ids=repr)
def test_eager_kinds_weigh_like_pandas(make, weighter):
    from sklearn.base import clone

    frame = make(DF)
    reference = clone(weighter)
    expected = reference.fit_weight(DF, DF["stars"])
    fitted = clone(weighter)
    weights = fitted.fit_weight(frame, "stars")
    assert isinstance(weights, np.ndarray)
    assert_allclose(weights, expected, rtol=1e-12)
    assert_frame_equal(
        _plain_table(fitted.weight_table_), _plain_table(reference.weight_table_)
    )
    assert_allclose(fitted.weight(frame, "stars"), expected, rtol=1e-12)


@pytest.mark.parametrize("make", params(LAZY))
@pytest.mark.parametrize("weighter", WEIGHTERS[:3], ids=repr)
def test_lazy_kinds_weigh_like_pandas(make, weighter):
    from sklearn.base import clone

    frame = make(DF)
    reference = clone(weighter)
    expected = reference.fit_weight(DF, DF["stars"])
    fitted = clone(weighter)
    lazy = fitted.fit_weight(frame, "stars")
    assert_frame_equal(
        _plain_table(fitted.weight_table_), _plain_table(reference.weight_table_)
    )
    got = _collect_weights(lazy)
    assert_allclose(got.sort_index().to_numpy(), expected, rtol=1e-12)


def _collect_weights(lazy):
    """Weights of a lazy result, indexed by the data's ``row`` column."""
    module = type(lazy).__module__
    if module.startswith("dask"):
        return pd.Series(lazy.compute().to_numpy(), index=DF["row"].to_numpy())
    if module.startswith("polars"):
        out = lazy.collect().to_pandas()
    else:  # duckdb
        out = lazy.df()
    return out.set_index("row")["weight"]


def test_lazy_frame_weights_are_a_lazy_column():
    pl = pytest.importorskip("polars")
    lf = pl.from_pandas(DF).lazy()
    out = GroupBalancedWeighter(groups="gender").fit_weight(
        lf, "stars", sample_weight="price"
    )
    assert isinstance(out, pl.LazyFrame)
    assert out.collect_schema().names() == [*DF.columns, "weight"]
    expected = GroupBalancedWeighter(groups="gender").fit_weight(
        DF, DF["stars"], sample_weight=DF["price"]
    )
    assert_allclose(out.collect()["weight"].to_numpy(), expected)


def test_lazy_frame_unseen_cells():
    pl = pytest.importorskip("polars")
    w = GroupBalancedWeighter(groups="gender").fit(pl.from_pandas(DF).lazy(), "stars")
    new = pl.DataFrame({"gender": ["f", "x"], "stars": [5, 5]}).lazy()
    with pytest.raises(ValueError, match="1 row\\(s\\) fall in cells"):
        w.weight(new, "stars")
    w.set_params(handle_unknown="ignore")
    weights = w.weight(new, "stars").collect()["weight"].to_numpy()
    assert np.isfinite(weights).all()
    w.set_params(handle_unknown="zero")
    zero = w.weight(new, "stars").collect()["weight"].to_numpy()
    assert zero[1] == 0 and zero[0] == weights[0]


@pytest.mark.parametrize("make", params(EAGER))
@pytest.mark.parametrize(
    "strategy, kwargs",
    [
        ("under", dict(groups="gender", strata="category", balance="joint")),
        ("over", dict(groups="gender")),
        ("weights", dict(strata="category")),
    ],
)
def test_epochs_are_the_same_rows_for_every_eager_kind(make, strategy, kwargs):
    frame = make(DF)
    reference = EpochResampler(strategy, random_state=3, **kwargs).fit(DF, DF["stars"])
    rs = EpochResampler(strategy, random_state=3, **kwargs).fit(frame, "stars")
    assert rs.targets_ == reference.targets_
    for epoch in (0, 1, 7):
        assert_array_equal(rs.epoch_indices(epoch), reference.epoch_indices(epoch))
    X_res, y_res = EpochResampler(strategy, random_state=3, **kwargs).fit_resample(
        frame, "stars"
    )
    assert type(X_res) is type(frame)
    assert len(X_res) == rs.epoch_size_


@pytest.mark.parametrize(
    "strategy, kwargs",
    [
        ("under", dict(groups="gender", strata="category", balance="joint")),
        ("over", dict(strata="category")),
        ("weights", dict(groups="gender", strata="category")),
        ("weights", dict(weighter=EffectiveNumberWeighter(beta=0.9))),
    ],
)
def test_dask_epochs_are_the_in_memory_rows(strategy, kwargs):
    """The one drawing plan: dask partitions draw exactly the rows that the
    in-memory resampler draws from the same data and seed."""
    pytest.importorskip("dask")
    from skweight.dask import DaskEpochResampler

    from .frame_kinds import _dask

    ddf = _dask(DF)
    memory = EpochResampler(strategy, random_state=5, **kwargs).fit(DF, DF["stars"])
    dask_rs = DaskEpochResampler(strategy, random_state=5, **kwargs).fit(ddf, ddf["stars"])
    for epoch in (0, 3):
        rows = dask_rs.resample(ddf, ddf["stars"], epoch=epoch)[0]["row"].compute(
            scheduler="sync"
        )
        assert_array_equal(np.sort(rows.to_numpy()), np.sort(memory.epoch_indices(epoch)))


def test_lazy_frames_are_resampled_as_queries_given_a_row_key():
    pl = pytest.importorskip("polars")
    lf = pl.from_pandas(DF.assign(row=np.arange(len(DF)))).lazy()
    with pytest.raises(ValueError, match="row_id="):
        EpochResampler("under").fit(lf, "stars")
    lazy = EpochResampler("under", row_id="row", random_state=0).fit(lf, "stars")
    memory = EpochResampler("under", random_state=0).fit(DF, "stars")
    got = lazy.resample(lf, epoch=1)[0].collect()["row"].to_numpy()
    np.testing.assert_array_equal(np.sort(got), np.sort(memory.epoch_indices(1)))


def test_balance_report_reads_polars():
    pl = pytest.importorskip("polars")
    w = GroupBalancedWeighter(groups="gender", strata="category").fit_weight(DF)
    expected = balance_report(DF, sample_weight=w, groups="gender", strata="category")
    got = balance_report(
        pl.from_pandas(DF), sample_weight=w, groups="gender", strata="category"
    )
    assert_frame_equal(_plain_table(got), _plain_table(expected))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(5, 80),
    kind=st.sampled_from([k for k in EAGER if k != "pandas"]),
    balance=st.sampled_from(["groups", "joint", "independence"]),
)
def test_any_eager_kind_equals_pandas(seed, n, kind, balance):
    """Hypothesis over random data and frame kinds: weights and tables equal."""
    make, module = EAGER[kind]
    pytest.importorskip(module)
    df = _data(n, seed)
    expected = GroupBalancedWeighter(groups="gender", strata="category", balance=balance)
    got = GroupBalancedWeighter(groups="gender", strata="category", balance=balance)
    assert_allclose(
        got.fit_weight(make(df), "stars"), expected.fit_weight(df, df["stars"]), rtol=1e-12
    )
    assert_frame_equal(
        _plain_table(got.weight_table_), _plain_table(expected.weight_table_)
    )
