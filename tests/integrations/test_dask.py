"""Weighters and DaskEpochResampler on dask collections, on a local cluster.

Every test runs on a two-worker ``distributed.LocalCluster`` with worker
processes (so everything sent to workers must pickle), and compares with the
in-memory result on the same rows: the concatenated partitions.
"""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from pandas.testing import assert_frame_equal

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from skweight import (  # noqa: E402
    EffectiveNumberWeighter,
    EpochResampler,
    GroupBalancedWeighter,
)
from skweight.dask import DaskEpochResampler  # noqa: E402

N_PARTS = 5
EMPTY = 2  # this partition has no rows


@pytest.fixture(scope="module", autouse=True)
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _data(n=3000, seed=0):
    """Rows in N_PARTS partitions, one of them empty; some values live in one
    partition only: category "z" in the first, gender "x" in the last, and the
    zip code 66000 in the fourth. Zip codes are integers that the engine codes
    as themselves in memory (levels 0..69000, so 66000 comes first) but that
    the short merged count table alone would not."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "category": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
            "gender": rng.choice(["f", "m"], n, p=[0.7, 0.3]),
            "zip": rng.choice([69000, 67000, 68000], n),
            "y": rng.choice([0, 1, 2], n, p=[0.6, 0.3, 0.1]),
            "w": rng.integers(1, 4, n).astype(np.float64),
            "w_real": rng.random(n) + 0.1,
            "x": rng.normal(size=n),
            "row": np.arange(n),
        }
    )
    df["part"] = np.minimum(np.arange(n) // -(-n // N_PARTS), N_PARTS - 1)
    part = df["part"].to_numpy()
    df.loc[part == 0, "category"] = np.where(rng.random((part == 0).sum()) < 0.3, "z", "a")
    df.loc[(part == N_PARTS - 1) & (df["x"] > 1), "gender"] = "x"
    df.loc[(part == 3) & (df["x"] < -1), "zip"] = 66000
    ddf = dd.from_pandas(df, npartitions=N_PARTS, sort=False)
    ddf = ddf[ddf["part"] != EMPTY]  # keeps the partition, empty
    return ddf.compute(), ddf


DF, DDF = _data()


def test_importing_skweight_does_not_import_dask():
    code = "import skweight, sys; assert 'dask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_data_has_an_empty_partition_and_local_values():
    # DDF keeps the partitions of its source frame: partition EMPTY lost all rows.
    lengths = DDF.map_partitions(len).compute(scheduler="sync").tolist()
    assert len(lengths) == N_PARTS and lengths[EMPTY] == 0 and sum(lengths) == len(DF)
    in_one = lambda value, column: DF.loc[DF[column] == value, "part"].nunique() == 1  # noqa
    assert in_one("z", "category") and in_one("x", "gender") and in_one(66000, "zip")


# --------------------------------------------------------------------------- #
# Weighters: equal to in memory
# --------------------------------------------------------------------------- #
CASES = [
    (GroupBalancedWeighter, dict(groups="gender", strata="category"), None),
    (GroupBalancedWeighter, dict(groups="gender", strata="category"), "w"),
    (GroupBalancedWeighter, dict(balance="label"), None),
    # zip: integers coded as themselves (levels 0..69000), in memory and here.
    (GroupBalancedWeighter, dict(groups="gender", strata="zip", balance="joint"), "w"),
    (
        GroupBalancedWeighter,
        dict(groups=[1], strata=[0], balance="independence", scheme="sqrt_inverse"),
        None,
    ),
    (
        GroupBalancedWeighter,
        dict(
            groups=["gender", "category"],
            scheme="log_inverse",
            strength=0.5,
            max_weight=2.0,
        ),
        "w",
    ),
    (EffectiveNumberWeighter, dict(beta=0.99, strata="category", normalize="cells"), None),
]


@pytest.mark.parametrize("cls, params, weights", CASES)
def test_fit_weight_equals_in_memory(cls, params, weights):
    """Same cell table, factors and weights as a fit on the concatenated rows."""
    sw_d = None if weights is None else DDF[weights]
    sw_p = None if weights is None else DF[weights]
    dask_w = cls(**params)
    lazy = dask_w.fit_weight(DDF, DDF["y"], sample_weight=sw_d)
    memory = cls(**params).fit(DF, DF["y"], sample_weight=sw_p)
    assert_frame_equal(dask_w.weight_table_, memory.weight_table_)
    assert_array_equal(
        lazy.compute().to_numpy(), memory.weight(DF, DF["y"], sample_weight=sw_p)
    )
    assert_array_equal(dask_w.feature_names_in_, memory.feature_names_in_)


def test_fractional_sample_weight_equal_up_to_rounding():
    params = dict(groups="gender", strata="category")
    dask_w = GroupBalancedWeighter(**params)
    weights = dask_w.fit_weight(DDF, DDF["y"], sample_weight=DDF["w_real"]).compute()
    memory = GroupBalancedWeighter(**params)
    expected = memory.fit_weight(DF, DF["y"], sample_weight=DF["w_real"])
    assert_frame_equal(dask_w.weight_table_, memory.weight_table_, rtol=1e-12)
    assert_allclose(weights.to_numpy(), expected, rtol=1e-12)


def test_keys_as_dask_series_and_arrays():
    lengths = DDF.map_partitions(len).compute().tolist()
    y = DDF["y"].to_dask_array(lengths=lengths)
    strata = DDF["category"].astype(object).to_dask_array(lengths=lengths)
    dask_w = GroupBalancedWeighter(balance="joint")
    lazy = dask_w.fit_weight(
        None, y, sensitive_features=DDF[["gender", "zip"]], strata_features=strata
    )
    memory = GroupBalancedWeighter(balance="joint")
    expected = memory.fit_weight(
        None,
        DF["y"].to_numpy(),
        sensitive_features=DF[["gender", "zip"]],
        strata_features=DF["category"].to_numpy(),
    )
    assert_frame_equal(dask_w.weight_table_, memory.weight_table_)
    assert_array_equal(lazy.compute().to_numpy(), expected)


def test_categories_that_differ_between_partitions():
    """Categoricals whose categories differ per partition: as dask concatenates."""
    parts = [
        DF.iloc[i::4].assign(category=lambda d: d["category"].astype("category"))
        for i in range(4)
    ]
    parts[1] = parts[1][parts[1]["category"] != "b"]
    parts[1] = parts[1].assign(category=parts[1]["category"].cat.remove_unused_categories())
    parts[2] = parts[2].iloc[:0]
    ddf = dd.from_delayed(
        [dask.delayed(p) for p in parts], meta=parts[0].iloc[:0], verify_meta=False
    )
    frame = ddf.compute()
    dask_w = GroupBalancedWeighter(groups="category")
    lazy = dask_w.fit_weight(ddf, ddf["y"])
    memory = GroupBalancedWeighter(groups="category")
    expected = memory.fit_weight(frame, frame["y"])
    assert_frame_equal(dask_w.weight_table_, memory.weight_table_)
    assert_array_equal(lazy.compute().to_numpy(), expected)


def test_missing_values_as_a_category():
    df = DF.assign(gender=DF["gender"].where(DF["x"] < 1.5))
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    params = dict(groups="gender", strata="category", handle_missing="category")
    dask_w = GroupBalancedWeighter(**params)
    lazy = dask_w.fit_weight(ddf, ddf["y"])
    memory = GroupBalancedWeighter(**params)
    assert_array_equal(lazy.compute().to_numpy(), memory.fit_weight(df, df["y"]))
    assert_frame_equal(dask_w.weight_table_, memory.weight_table_)


def test_multilabel_weights_are_a_frame_per_class():
    rng = np.random.default_rng(1)
    Y = pd.DataFrame({"p": rng.integers(0, 2, 500), "q": rng.integers(0, 2, 500)})
    dY = dd.from_pandas(Y, npartitions=3)
    dask_w = GroupBalancedWeighter(balance="label")
    weights = dask_w.fit_weight(None, dY).compute()
    memory = GroupBalancedWeighter(balance="label")
    assert_array_equal(weights.to_numpy(), memory.fit_weight(None, Y))
    assert list(weights.columns) == ["p", "q"]
    assert_array_equal(dask_w.pos_weight_, memory.pos_weight_)


def test_partial_fit_on_dask_pieces_equals_fit():
    dask_w = GroupBalancedWeighter(groups="gender", strata="category")
    dask_w.partial_fit(DDF.partitions[:3], DDF["y"].partitions[:3])
    dask_w.partial_fit(DDF.partitions[3:], DDF["y"].partitions[3:])
    memory = GroupBalancedWeighter(groups="gender", strata="category").fit(DF, DF["y"])
    assert_allclose(
        dask_w.weight(DDF, DDF["y"]).compute().to_numpy(),
        memory.weight(DF, DF["y"]),
        rtol=1e-12,
    )


# --------------------------------------------------------------------------- #
# Weighters: lazy, aligned, deterministic
# --------------------------------------------------------------------------- #
def test_weights_are_lazy_and_aligned_with_partitions():
    weighter = GroupBalancedWeighter(groups="gender", strata="category").fit(DDF, DDF["y"])
    weights = weighter.weight(DDF, DDF["y"])
    assert isinstance(weights, dd.Series)
    assert weights.npartitions == DDF.npartitions
    assert weights.divisions == DDF.divisions
    parts = dask.compute(
        *[(DDF.get_partition(i), weights.get_partition(i)) for i in range(N_PARTS)]
    )
    for part, w in parts:
        assert w.index.equals(part.index)
    # A refit does not change weights already built.
    before = weights.compute()
    weighter.fit(DDF, DDF["y"], sample_weight=DDF["w"])
    assert_array_equal(weights.compute().to_numpy(), before.to_numpy())


def test_fit_is_deterministic():
    tables = [
        GroupBalancedWeighter(groups="gender", strata="zip")
        .fit(DDF, DDF["y"])
        .weight_table_
        for _ in range(2)
    ]
    assert_frame_equal(*tables)


def test_weight_new_rows_with_unseen_cells_fails_at_compute():
    weighter = GroupBalancedWeighter(groups="gender").fit(DDF, DDF["y"])
    new = dd.from_pandas(pd.DataFrame({"gender": ["f", "q"], "y": [0, 0]}), npartitions=1)
    lazy = weighter.weight(new, new["y"])
    with pytest.raises(ValueError, match="not seen during fit"):
        lazy.compute()
    ignore = GroupBalancedWeighter(groups="gender", handle_unknown="ignore")
    weights = ignore.fit(DDF, DDF["y"]).weight(new, new["y"]).compute()
    assert np.isfinite(weights).all()


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(groups="nope"), ValueError, "'nope' given in groups is not in X"),
        (dict(groups=20), ValueError, "out of range"),
        (dict(groups="gender", y=np.zeros(3000)), TypeError, "y is a ndarray"),
        (dict(groups="gender", sample_weight=-1.0), ValueError, "negative or non-finite"),
        (dict(groups="gender", missing=True), ValueError, "'gender' has .* missing value"),
        (dict(groups="gender", scheme="inv"), ValueError, "'scheme' parameter"),
    ],
)
def test_bad_inputs(kwargs, error, match):
    kwargs = dict(kwargs)
    X = DDF
    y = kwargs.pop("y", DDF["y"])
    sample_weight = kwargs.pop("sample_weight", None)
    if sample_weight is not None:
        sample_weight = DDF["w"] * sample_weight
    if kwargs.pop("missing", False):
        X = DDF.assign(gender=DDF["gender"].where(DDF["x"] < 1.5))
    with pytest.raises(error, match=match):
        GroupBalancedWeighter(**kwargs).fit(X, y, sample_weight=sample_weight)


# --------------------------------------------------------------------------- #
# DaskEpochResampler
# --------------------------------------------------------------------------- #
RESAMPLERS = [
    ("under", dict(groups="gender", strata="category", balance="joint")),
    ("under", dict(strata="category", n_samples=400)),
    ("over", dict(groups="gender", balance="groups")),
    ("under", dict(groups="gender", strata="zip", balance="independence")),
    ("weights", dict(groups="gender", strata="category")),
    ("weights", dict(weighter=EffectiveNumberWeighter(beta=0.99))),
]


def _unit_counts(frame, columns):
    return frame.groupby(columns).size()


@pytest.mark.parametrize("strategy, params", RESAMPLERS)
def test_epochs_meet_the_in_memory_targets(strategy, params):
    rs = DaskEpochResampler(strategy, random_state=0, **params).fit(DDF, DDF["y"])
    memory = EpochResampler(strategy, random_state=0, **params).fit(DF, DF["y"])
    assert rs.targets_ == memory.targets_
    assert_frame_equal(rs.cell_table_, memory.cell_table_)
    assert rs.epoch_size_ == memory.epoch_size_
    assert rs.n_samples_fit_ == len(DF)
    table = rs.cell_table_
    columns = list(table.columns[: table.columns.get_loc("count")])
    epochs = dask.compute(*[rs.resample(DDF, DDF["y"], epoch=e) for e in range(2)])
    expected = table.set_index(columns)["target"]
    for X_e, y_e in epochs:
        assert len(X_e) == rs.epoch_size_
        assert_array_equal(X_e["y"].to_numpy(), y_e.to_numpy())
        got = _unit_counts(X_e, columns).reindex(expected.index, fill_value=0)
        if strategy == "weights":  # systematic: the expectation's floor or ceil
            assert (np.abs(got - expected) < 1).all()
        else:
            assert_array_equal(got, expected)


def test_rotation_draws_every_row_once_per_cycle():
    rs = DaskEpochResampler("under", strata="category", random_state=1).fit(DDF, DDF["y"])
    table = rs.cell_table_
    cycle = int(table["cycle"].max())
    assert 3 <= cycle <= 12
    epochs = dask.compute(
        *[rs.resample(DDF, DDF["y"], epoch=e)[0]["row"] for e in range(cycle)]
    )
    for _, unit in table.iterrows():
        inside = (DF["category"] == unit["category"]) & (DF["y"] == unit["y"])
        rows = DF.loc[inside, "row"].to_numpy()
        drawn = [e[np.isin(e, rows)] for e in epochs[: unit["cycle"]]]
        assert all(np.unique(d).size == d.size == unit["target"] for d in drawn)
        assert set(np.concatenate(drawn)) == set(rows)


def test_over_draws_every_row_floor_or_ceil_times():
    rs = DaskEpochResampler("over", strata="category", random_state=2).fit(DDF, DDF["y"])
    rows = rs.resample(DDF, DDF["y"], epoch=5)[0]["row"].compute().to_numpy()
    drawn = np.bincount(rows, minlength=len(DF))[DF["row"].to_numpy()]
    for _, unit in rs.cell_table_.iterrows():
        inside = ((DF["category"] == unit["category"]) & (DF["y"] == unit["y"])).to_numpy()
        ratio = unit["target"] / unit["count"]
        assert set(np.unique(drawn[inside])) <= {np.floor(ratio), np.ceil(ratio)}


def test_epochs_are_deterministic_and_independent_of_partitioning():
    def epoch_rows(ddf, seed, epochs):
        rs = DaskEpochResampler(
            "under", groups="gender", strata="category", random_state=seed
        ).fit(ddf, ddf["y"])
        return [rs.resample(ddf, ddf["y"], epoch=e)[0]["row"] for e in epochs]

    other = dd.from_pandas(DF, npartitions=3)
    first, again, later, repartitioned, reseeded = (
        r.to_numpy()
        for r in dask.compute(
            *epoch_rows(DDF, 0, [3]),
            *epoch_rows(DDF, 0, [3, 4]),
            *epoch_rows(other, 0, [3]),
            *epoch_rows(DDF, 1, [3]),
        )
    )
    assert_array_equal(first, again)  # two fits, two runs: the same rows, same order
    assert_array_equal(np.sort(repartitioned), np.sort(first))
    assert not np.array_equal(np.sort(later), np.sort(first))
    assert not np.array_equal(np.sort(reseeded), np.sort(first))


def test_resample_checks_the_rows_and_same_code_in_memory():
    rs = DaskEpochResampler("under", groups="gender", random_state=0).fit(DDF, DDF["y"])
    with pytest.raises(ValueError, match="partitions"):
        rs.resample(dd.from_pandas(DF, npartitions=2), epoch=0)
    with pytest.raises(ValueError, match="does not hold the rows"):
        rs.resample(DDF.assign(gender="f"), epoch=0)[0].compute()
    with pytest.raises(TypeError, match="resample"):
        rs.epoch_indices(0)
    in_memory = DaskEpochResampler("under", groups="gender", random_state=0).fit(
        DF, DF["y"]
    )
    X_e, y_e = in_memory.resample(DF, DF["y"], epoch=0)
    assert_frame_equal(X_e, DF.iloc[in_memory.epoch_indices(0)])
    X_0, _ = DaskEpochResampler("under", groups="gender", random_state=0).fit_resample(
        DDF, DDF["y"]
    )
    assert isinstance(X_0, dd.DataFrame) and len(X_0.compute()) == rs.epoch_size_


def test_dask_epochs_are_written_one_parquet_folder_each(tmp_path):
    rs = DaskEpochResampler("under", groups="gender", random_state=0).fit(DDF, DDF["y"])
    folders = rs.write_epochs(DDF, tmp_path, [0, 2])
    back = pd.read_parquet(folders[1]).rename_axis(None)  # dask names a nameless index
    expected = rs.resample(DDF, epoch=2)[0].compute()
    assert_frame_equal(back.sort_index(), expected.sort_index())


def test_resampler_on_parquet_read_with_few_columns(tmp_path):
    """Reading only the key columns, dask merges Parquet partitions; the epochs
    must still refer to the partitions of the full rows."""
    dd.from_pandas(DF, npartitions=4).to_parquet(tmp_path / "data")
    ddf = dd.read_parquet(tmp_path / "data")
    rs = DaskEpochResampler(
        "under", groups="gender", strata="category", balance="joint", random_state=0
    ).fit(ddf, ddf["y"])
    X_e = rs.resample(ddf, ddf["y"], epoch=1)[0].compute()
    expected = rs.cell_table_.set_index(["category", "gender", "y"])["target"]
    got = _unit_counts(X_e, ["category", "gender", "y"])
    assert_array_equal(got.reindex(expected.index, fill_value=0), expected)


def test_the_plain_resampler_draws_dask_epochs_through_the_backend():
    """EpochResampler hands dask data to the dask backend, as the weighters do."""
    from skweight import EpochResampler

    plain = EpochResampler("under", groups="gender", random_state=0).fit(DDF, DDF["y"])
    dedicated = DaskEpochResampler("under", groups="gender", random_state=0).fit(
        DDF, DDF["y"]
    )
    assert plain.targets_ == dedicated.targets_
    X_a, _ = dask.compute(*plain.resample(DDF, DDF["y"], epoch=3))
    X_b, _ = dask.compute(*dedicated.resample(DDF, DDF["y"], epoch=3))
    assert_frame_equal(X_a, X_b)
    with pytest.raises(TypeError, match="dask DataFrame: its epochs are dask"):
        plain.epoch_indices(0)
    with pytest.raises(ValueError, match="row_id is for rows in memory"):
        EpochResampler("under", row_id="x").fit(DDF, DDF["y"])
    with pytest.raises(ValueError, match="draw='random' changes how"):
        EpochResampler("under", draw="random").fit(DDF, DDF["y"])
