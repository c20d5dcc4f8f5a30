"""Epochs on real PySpark (local[2]): a query per epoch, the rows pandas draws.

Needs pyspark and a Java runtime; CI installs both, so these tests run there.
"""

import os

import numpy as np
import pandas as pd
import pytest

from skweight import EffectiveNumberWeighter, EpochResampler  # noqa: E402
from tests.integrations.spark_env import MARKS, spy_on_collects  # skips without Spark

pytestmark = MARKS

RNG = np.random.default_rng(1)
N = 300
# The ids are not in row order: the ranks come from the key, not the position.
PDF = pd.DataFrame(
    {
        "id": RNG.permutation(N) * 7 + 3,
        "s": RNG.integers(0, 3, N),
        "g": RNG.choice(["f", "m"], N, p=[0.7, 0.3]),
        "y": RNG.choice([0, 1, 2], N, p=[0.7, 0.2, 0.1]),
        "x": RNG.normal(size=N),
    }
)


@pytest.fixture(scope="module")
def sdf(spark):
    return spark.createDataFrame(PDF)


def _ids(frame):
    return np.sort(frame.toPandas()["id"].to_numpy())


def _memory_ids(resampler, epoch):
    return np.sort(PDF["id"].to_numpy()[resampler.epoch_indices(epoch)])


CASES = [
    ("under", dict(), 0),
    ("under", dict(groups="g", strata="s"), 5),
    ("over", dict(), 5),
    ("over", dict(groups="g", strata="s", balance="joint"), 0),
    ("weights", dict(groups="g", strata="s", balance="joint"), 0),
    ("weights", dict(weighter=EffectiveNumberWeighter(beta=0.99), n_samples=250), 5),
]


@pytest.mark.parametrize(
    "strategy, params, seed", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_epochs_are_the_rows_pandas_draws(sdf, strategy, params, seed):
    on_spark = EpochResampler(strategy, row_id="id", random_state=seed, **params)
    on_spark.fit(sdf, "y")
    in_memory = EpochResampler(strategy, row_id="id", random_state=seed, **params)
    in_memory.fit(PDF, "y")
    assert on_spark.targets_ == in_memory.targets_
    assert on_spark.epoch_size_ == in_memory.epoch_size_
    pd.testing.assert_frame_equal(on_spark.cell_table_, in_memory.cell_table_)
    for epoch in (0, 3):
        rows, y_rows = on_spark.resample(sdf, epoch=epoch)
        assert isinstance(rows, type(sdf)) and y_rows is None
        assert rows.columns == list(PDF.columns)
        np.testing.assert_array_equal(_ids(rows), _memory_ids(in_memory, epoch))


def test_an_epoch_is_a_query_and_fit_collects_only_the_cells(sdf, monkeypatch):
    collected = spy_on_collects(sdf, monkeypatch)
    rs = EpochResampler("under", groups="g", strata="s", row_id="id", random_state=0)
    rs.fit(sdf, "y")
    combinations = len(PDF.groupby(["s", "g", "y"]))  # the key combinations of the fit
    assert collected and max(collected) <= combinations < N
    n_fit = len(collected)
    epoch, _ = rs.resample(sdf, epoch=2)
    first, _ = rs.fit_resample(sdf, "y")
    assert len(collected) == 2 * n_fit  # the second fit; no epoch ran anything
    monkeypatch.undo()
    assert epoch.count() == rs.epoch_size_ and first.count() == rs.epoch_size_


def test_epochs_are_written_one_parquet_folder_each(spark, sdf, tmp_path):
    rs = EpochResampler("over", row_id="id", random_state=0).fit(sdf, "y")
    folders = rs.write_epochs(sdf, tmp_path / "epochs", range(2))
    assert [os.path.basename(f) for f in folders] == ["epoch=0", "epoch=1"]
    back = spark.read.parquet(str(tmp_path / "epochs"))
    assert "epoch" in back.columns and back.count() == 2 * rs.epoch_size_
    in_memory = EpochResampler("over", row_id="id", random_state=0).fit(PDF, "y")
    np.testing.assert_array_equal(
        _ids(spark.read.parquet(folders[1])), _memory_ids(in_memory, 1)
    )
    with pytest.raises(FileExistsError, match="overwrite=True"):
        rs.write_epochs(sdf, tmp_path / "epochs", [1])
    rs.write_epochs(sdf, tmp_path / "epochs", [1], overwrite=True)
    assert spark.read.parquet(folders[1]).count() == rs.epoch_size_


def test_what_a_spark_epoch_needs_is_said(spark, sdf):
    with pytest.raises(ValueError, match="row_id="):
        EpochResampler("under").fit(sdf, "y")
    with pytest.raises(ValueError, match="row_id='nope' is not a column"):
        EpochResampler("under", row_id="nope").fit(sdf, "y")
    # A repeated key is found where the rows are sorted anyway: in the epoch query.
    repeated = EpochResampler("under", row_id="s").fit(sdf, "y")
    with pytest.raises(Exception, match="row_id column 's' repeats values"):
        repeated.resample(sdf, epoch=0)[0].count()
    with pytest.raises(ValueError, match="1 missing value"):
        EpochResampler("under", row_id="id").fit(
            spark.createDataFrame(PDF.assign(id=[None] + PDF["id"].tolist()[1:])), "y"
        )
    with pytest.raises(ValueError, match="in memory"):
        EpochResampler("under", row_id="id", draw="random").fit(sdf, "y")
    rs = EpochResampler("under", row_id="id", random_state=0).fit(sdf, "y")
    with pytest.raises(TypeError, match="resample"):
        rs.epoch_indices(0)
    other = spark.createDataFrame(PDF.assign(y=PDF["y"] + 10))
    with pytest.raises(Exception, match="cells that had no rows during fit"):
        rs.resample(other, epoch=0)[0].count()
