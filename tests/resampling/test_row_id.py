"""row_id: epochs ranked by a row key, in memory and on polars LazyFrames.

The Spark side of the same promise is in tests/integrations/test_spark_epochs.py.
"""

import os

import numpy as np
import pandas as pd
import polars as pl
import pytest

from skweight import EffectiveNumberWeighter, EpochResampler
from skweight.schedules import Schedule

RNG = np.random.default_rng(4)
N = 240
DF = pd.DataFrame(
    {
        "id": RNG.permutation(N) * 3 + 1,
        "s": RNG.integers(0, 3, N),
        "g": RNG.choice(["f", "m"], N, p=[0.7, 0.3]),
        "y": RNG.choice([0, 1, 2], N, p=[0.6, 0.3, 0.1]),
    }
)

CASES = [
    ("under", dict()),
    ("under", dict(groups="g", strata="s")),
    ("over", dict(groups="g", strata="s", balance="joint")),
    ("over", dict(sampling_strategy="minority")),
    ("weights", dict(groups="g", strata="s", balance="joint")),
    ("weights", dict(weighter=EffectiveNumberWeighter(beta=0.9), n_samples=100)),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


def _drawn_ids(rs, frame, epoch):
    return np.sort(frame["id"].to_numpy()[rs.epoch_indices(epoch)])


@pytest.mark.parametrize("strategy, params", CASES, ids=IDS)
def test_epochs_follow_the_keys_not_the_row_order(strategy, params):
    shuffled = DF.sample(frac=1.0, random_state=1).reset_index(drop=True)
    a = EpochResampler(strategy, row_id="id", random_state=2, **params).fit(DF, "y")
    b = EpochResampler(strategy, row_id="id", random_state=2, **params).fit(shuffled, "y")
    for epoch in (0, 1, 7):
        np.testing.assert_array_equal(
            _drawn_ids(a, DF, epoch), _drawn_ids(b, shuffled, epoch)
        )


@pytest.mark.parametrize("strategy, params", CASES, ids=IDS)
def test_rows_in_key_order_draw_what_positions_draw(strategy, params):
    ordered = DF.sort_values("id").reset_index(drop=True)
    by_key = EpochResampler(strategy, row_id="id", random_state=3, **params)
    by_position = EpochResampler(strategy, random_state=3, **params)
    for epoch in (0, 4):
        np.testing.assert_array_equal(
            by_key.fit(ordered, "y").epoch_indices(epoch),
            by_position.fit(ordered, "y").epoch_indices(epoch),
        )


def test_string_keys_unique_per_cell_are_enough():
    # "a" is the key of a row of each class: a key need only be unique in its cell.
    frame = pd.DataFrame(
        {"id": ["b", "a", "c", "a", "d", "e", "f"], "y": [0, 0, 0, 1, 1, 0, 0]}
    )
    rs = EpochResampler("under", row_id="id", random_state=0).fit(frame, "y")
    shuffled = frame.iloc[[3, 1, 6, 5, 0, 2, 4]].reset_index(drop=True)
    other = EpochResampler("under", row_id="id", random_state=0).fit(shuffled, "y")
    key = frame["id"] + frame["y"].astype(str)
    key2 = shuffled["id"] + shuffled["y"].astype(str)
    for epoch in range(4):
        assert sorted(key.iloc[rs.epoch_indices(epoch)]) == sorted(
            key2.iloc[other.epoch_indices(epoch)]
        )


def test_bad_keys_are_named():
    with pytest.raises(ValueError, match="repeats values: 1 row"):
        EpochResampler(row_id="id").fit(DF.assign(id=np.r_[0, np.arange(N - 1)]), "y")
    with pytest.raises(ValueError, match="1 missing value"):
        EpochResampler(row_id="id").fit(DF.assign(id=np.r_[np.nan, np.arange(N - 1)]), "y")
    with pytest.raises(ValueError, match="row_id"):
        EpochResampler(row_id="nope").fit(DF, "y")
    with pytest.raises(ValueError, match="X is None"):
        EpochResampler(row_id="id").fit(None, DF["y"])
    with pytest.raises(ValueError, match="frequency sample_weight"):
        EpochResampler(row_id="id").fit(DF, "y", sample_weight=np.ones(N))
    with pytest.raises(ValueError, match="draw='sequential' or 'random'"):
        EpochResampler("weights", row_id="id", draw="sequential").fit(DF, "y")


def test_a_numpy_column_position_is_a_row_key():
    X = DF[["id", "s"]].to_numpy()
    a = EpochResampler("under", row_id=0, random_state=0).fit(X, DF["y"])
    b = EpochResampler("under", row_id="id", random_state=0).fit(DF, "y")
    np.testing.assert_array_equal(a.epoch_indices(3), b.epoch_indices(3))


# ---------------------------------------------------------------------- #
# resample and write_epochs in memory
# ---------------------------------------------------------------------- #
def test_resample_returns_the_epoch_rows_of_the_callers_type():
    rs = EpochResampler("under", groups="g", random_state=0).fit(DF, "y")
    X_e, y_e = rs.resample(DF, DF["y"], epoch=2)
    pd.testing.assert_frame_equal(X_e, DF.iloc[rs.epoch_indices(2)])
    pd.testing.assert_series_equal(y_e, DF["y"].iloc[rs.epoch_indices(2)])
    X_e, y_e = rs.resample(DF, "y", epoch=2)
    pd.testing.assert_series_equal(y_e, DF["y"].iloc[rs.epoch_indices(2)])
    polars_rows, none = rs.resample(pl.from_pandas(DF), epoch=2)
    assert isinstance(polars_rows, pl.DataFrame) and none is None
    with pytest.raises(ValueError, match="rows of the fit"):
        rs.resample(DF.iloc[:10], epoch=0)


def test_write_epochs_in_memory(tmp_path):
    rs = EpochResampler("over", random_state=0).fit(DF, "y")
    folders = rs.write_epochs(pl.from_pandas(DF), tmp_path, [0, 3])
    assert folders == [os.path.join(tmp_path, "epoch=0"), os.path.join(tmp_path, "epoch=3")]
    back = pl.read_parquet(os.path.join(folders[1], "part-0.parquet"))
    assert back.equals(pl.from_pandas(DF)[rs.epoch_indices(3)])
    every = pl.read_parquet(str(tmp_path / "*" / "*.parquet"), hive_partitioning=True)
    assert sorted(every["epoch"].unique().to_list()) == [0, 3]
    with pytest.raises(FileExistsError, match="2 epoch folder"):
        rs.write_epochs(DF, tmp_path, [0, 3])
    with pytest.raises(TypeError, match="epochs must hold ints"):
        rs.write_epochs(DF, tmp_path / "other", [0.5])
    with pytest.raises(TypeError, match="writes dataframes"):
        rs.write_epochs(DF.to_numpy(), tmp_path / "arrays", [0])
    rs.write_epochs(DF, tmp_path, [3], overwrite=True)
    assert len(pd.read_parquet(folders[1])) == rs.epoch_size_


# ---------------------------------------------------------------------- #
# polars LazyFrame: an epoch is a query
# ---------------------------------------------------------------------- #
@pytest.mark.parametrize("strategy, params", CASES, ids=IDS)
def test_lazyframe_epochs_are_the_rows_pandas_draws(strategy, params):
    lf = pl.from_pandas(DF).lazy()
    lazy = EpochResampler(strategy, row_id="id", random_state=5, **params).fit(lf, "y")
    eager = EpochResampler(strategy, row_id="id", random_state=5, **params).fit(DF, "y")
    assert lazy.targets_ == eager.targets_ and lazy.epoch_size_ == eager.epoch_size_
    assert lazy.n_samples_fit_ == N and list(lazy.feature_names_in_) == list(DF.columns)
    for epoch in (0, 2):
        rows, none = lazy.resample(lf, epoch=epoch)
        assert isinstance(rows, pl.LazyFrame) and none is None
        got = rows.collect()
        assert got.columns == list(DF.columns)
        np.testing.assert_array_equal(
            np.sort(got["id"].to_numpy()), _drawn_ids(eager, DF, epoch)
        )


def test_lazyframe_fit_resample_and_write_epochs(tmp_path):
    lf = pl.from_pandas(DF).lazy()
    rs = EpochResampler("under", row_id="id", random_state=0)
    first, none = rs.fit_resample(lf, "y")
    assert none is None and first.collect().height == rs.epoch_size_
    assert not hasattr(rs, "sample_indices_")
    folders = rs.write_epochs(lf, tmp_path, range(2))
    assert (
        pl.read_parquet(os.path.join(folders[0], "part-0.parquet"))
        .sort("id")
        .equals(first.collect().sort("id"))
    )
    with pytest.raises(TypeError, match="resample"):
        rs.epoch_indices(0)


def test_lazyframe_refusals_say_what_to_do():
    lf = pl.from_pandas(DF).lazy()
    with pytest.raises(ValueError, match="no order: name a stable row key"):
        EpochResampler("under").fit(lf, "y")
    with pytest.raises(ValueError, match="varies within cells"):
        EpochResampler("weights", row_id="id").fit(lf, "y", sample_weight="id")
    with pytest.raises(ValueError, match="in memory"):
        EpochResampler("under", row_id="id", draw="random").fit(lf, "y")
    with pytest.raises(ValueError, match="schedule"):
        EpochResampler("under", row_id="id", schedule=Schedule.constant(1.0)).fit(lf, "y")
    repeated = EpochResampler("under", row_id="s").fit(lf, "y")
    with pytest.raises(Exception, match="row_id column 's' repeats values"):
        repeated.resample(lf, epoch=0)[0].collect()
    rs = EpochResampler("under", row_id="id", random_state=0).fit(lf, "y")
    with pytest.raises(ValueError, match="skweight uses"):
        rs.resample(lf.with_columns(pl.lit(0).alias("__skweight_rank__")), epoch=0)
    with pytest.raises(TypeError, match="fit on a polars LazyFrame"):
        rs.resample(DF, epoch=0)
    unseen = pl.from_pandas(DF.assign(y=DF["y"] + 10)).lazy()
    with pytest.raises(Exception, match="cells that had no rows during fit"):
        rs.resample(unseen, epoch=0)[0].collect()


# ---------------------------------------------------------------------- #
# DuckDB relations: an epoch is a query too
# ---------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "strategy, params", [CASES[1], CASES[2], CASES[4]], ids=[IDS[1], IDS[2], IDS[4]]
)
def test_duckdb_epochs_are_the_rows_pandas_draws(strategy, params, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    relation = duckdb.from_df(DF)
    lazy = EpochResampler(strategy, row_id="id", random_state=6, **params)
    lazy.fit(relation, "y")
    eager = EpochResampler(strategy, row_id="id", random_state=6, **params).fit(DF, "y")
    assert lazy.targets_ == eager.targets_
    rows, none = lazy.resample(relation, epoch=4)
    assert isinstance(rows, type(relation)) and none is None
    assert rows.columns == list(DF.columns)
    np.testing.assert_array_equal(
        np.sort(rows.df()["id"].to_numpy()), _drawn_ids(eager, DF, 4)
    )
    folder = lazy.write_epochs(relation, tmp_path, [4])[0]
    written = pd.read_parquet(os.path.join(folder, "part-0.parquet"))
    np.testing.assert_array_equal(
        np.sort(written["id"].to_numpy()), _drawn_ids(eager, DF, 4)
    )


def test_other_lazy_engines_are_named():
    from skweight.integrations.lazy_epochs import _engine

    with pytest.raises(
        TypeError,
        match="PySpark DataFrames, polars LazyFrames and DuckDB relations; got a object",
    ):
        _engine(object())
