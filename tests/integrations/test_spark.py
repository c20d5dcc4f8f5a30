"""Weights on real PySpark (local[2]): the same as pandas, nothing collected but cells.

Needs pyspark and a Java runtime; CI installs both (requirements-test.txt and a
system JRE), so these tests run there.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from skweight import EffectiveNumberWeighter, GroupBalancedWeighter  # noqa: E402
from tests.integrations.spark_env import MARKS, spy_on_collects  # skips without Spark

pytestmark = MARKS

RNG = np.random.default_rng(0)
N = 400
PDF = pd.DataFrame(
    {
        "id": np.arange(N),
        "s": RNG.integers(0, 3, N),
        "g": RNG.choice(["f", "m", "x"], N, p=[0.6, 0.3, 0.1]),
        "y": RNG.choice([0, 1, 2], N, p=[0.7, 0.2, 0.1]),
        "w": RNG.integers(1, 4, N).astype(float),
        "u": RNG.uniform(0.3, 2.0, N),
    }
)


@pytest.fixture(scope="module")
def sdf(spark):
    return spark.createDataFrame(PDF)


def _weights(frame):
    return frame.toPandas().sort_values("id")["weight"].to_numpy()


PARAMS = [
    dict(),
    dict(groups="g"),
    dict(groups="g", strata="s"),
    dict(groups="g", strata="s", balance="joint"),
    dict(groups="g", strata="s", balance="independence"),
]


MAKERS = {
    "inverse": lambda **p: GroupBalancedWeighter(**p),
    "sqrt_inverse": lambda **p: GroupBalancedWeighter(scheme="sqrt_inverse", **p),
    "log_inverse": lambda **p: GroupBalancedWeighter(scheme="log_inverse", **p),
    "power": lambda **p: GroupBalancedWeighter(
        scheme="power", power=0.5, max_weight=3.0, **p
    ),
    "effective": lambda **p: EffectiveNumberWeighter(beta=0.99, **p),
}
MODES = dict(zip(["label", "groups", "groups-strata", "joint", "independence"], PARAMS))
# Every balance mode with two schemes, every scheme with the joint cells.
CASES = sorted(
    {(scheme, mode) for scheme in ("inverse", "effective") for mode in MODES}
    | {(scheme, "joint") for scheme in MAKERS}
)


@pytest.mark.parametrize("scheme, mode", CASES, ids=[f"{s}-{m}" for s, m in CASES])
def test_weights_equal_the_pandas_weights(sdf, scheme, mode):
    make, params = MAKERS[scheme], MODES[mode]
    on_spark = make(**params)
    out = on_spark.fit_weight(sdf, "y")
    in_memory = make(**params)
    expected = in_memory.fit_weight(PDF, PDF["y"])
    assert isinstance(out, type(sdf)) and "weight" in out.columns
    assert_allclose(_weights(out), expected, rtol=1e-12)
    _same_table(on_spark.weight_table_, in_memory.weight_table_, exact_counts=True)


def _same_table(a, b, *, exact_counts):
    """Keys and counts equal (exactly for whole-number weights); factors to 1e-12.

    The factors are float functions of the counts whose sums run over the cells
    in the order the engine met their keys: Spark meets them in another order
    than pandas, so the last bits may differ (as for pandas rows in another order).
    """
    factor = ["factor"]
    pd.testing.assert_frame_equal(
        a.drop(columns=factor), b.drop(columns=factor), check_exact=exact_counts, rtol=1e-12
    )
    assert_allclose(a["factor"], b["factor"], rtol=1e-12)


@pytest.mark.parametrize("column", ["w", "u"])
@pytest.mark.parametrize(
    "params", PARAMS[2:], ids=["groups-strata", "joint", "independence"]
)
def test_with_sample_weight(sdf, params, column):
    on_spark = GroupBalancedWeighter(**params)
    out = on_spark.fit_weight(sdf, "y", sample_weight=column)
    in_memory = GroupBalancedWeighter(**params)
    expected = in_memory.fit_weight(PDF, PDF["y"], sample_weight=PDF[column])
    assert_allclose(_weights(out), expected, rtol=1e-12)
    # Whole-number weights sum exactly; fractional ones in the engine's order
    # (equal to about 1e-15 relative, as partial_fit in chunks).
    _same_table(on_spark.weight_table_, in_memory.weight_table_, exact_counts=column == "w")


def test_partial_fit_over_several_frames_adds_counts(spark):
    parts = [spark.createDataFrame(PDF.iloc[:150]), spark.createDataFrame(PDF.iloc[150:])]
    chunked = GroupBalancedWeighter(groups="g", strata="s", balance="joint")
    for part in parts:
        chunked.partial_fit(part, "y", sample_weight="w")
    whole = GroupBalancedWeighter(groups="g", strata="s", balance="joint").fit(
        PDF, PDF["y"], sample_weight=PDF["w"]
    )
    _same_table(chunked.weight_table_, whole.weight_table_, exact_counts=True)
    assert_allclose(
        _weights(chunked.weight(parts[1], "y")),
        whole.weight(PDF.iloc[150:], PDF["y"].iloc[150:]),
    )


def test_nothing_but_the_cell_table_is_collected(sdf, monkeypatch):
    collected = spy_on_collects(sdf, monkeypatch)
    weighter = GroupBalancedWeighter(groups="g", strata="s", balance="joint")
    out = weighter.fit_weight(sdf, "y")  # lazy: the weights are a column
    assert collected and max(collected) <= weighter.n_cells_ < N
    monkeypatch.undo()
    assert out.count() == N
