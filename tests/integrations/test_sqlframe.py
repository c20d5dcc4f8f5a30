"""SQLFrame (a PySpark-like DataFrame API that compiles to SQL), on its DuckDB engine.

The weights are a column, as on Spark; epochs need a vectorised UDF, which SQL
engines reached through SQLFrame do not run, so they are refused with the reason.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

pytest.importorskip("sqlframe")
from sqlframe.duckdb import DuckDBSession  # noqa: E402

from skweight import EpochResampler, GroupBalancedWeighter  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore::skweight.exceptions.WeightingWarning"),
]

RNG = np.random.default_rng(2)
N = 200
PDF = pd.DataFrame(
    {
        "id": np.arange(N),
        "s": RNG.integers(0, 3, N),
        "g": RNG.choice(["f", "m"], N, p=[0.7, 0.3]),
        "y": RNG.choice([0, 1, 2], N, p=[0.6, 0.3, 0.1]),
    }
)


@pytest.fixture(scope="module")
def frame():
    return DuckDBSession().createDataFrame(PDF)


@pytest.mark.parametrize(
    "params", [dict(groups="g", strata="s"), dict(groups="g", balance="independence")]
)
def test_weights_equal_the_pandas_weights(frame, params):
    weighter = GroupBalancedWeighter(**params)
    out = weighter.fit_weight(frame, "y").toPandas().sort_values("id")
    assert_allclose(
        out["weight"].to_numpy(),
        GroupBalancedWeighter(**params).fit_weight(PDF, "y"),
        rtol=1e-12,
    )


def test_epochs_are_refused_with_what_runs_them(frame):
    with pytest.raises(
        TypeError,
        match="PySpark DataFrames, polars LazyFrames and "
        "DuckDB relations; got a DuckDBDataFrame",
    ):
        EpochResampler("under", row_id="id").fit(frame, "y")
