"""A strategy added to the registry works everywhere, edited nowhere else.

A toy rotating strategy, ``"half"`` (every unit cut to half its rows, rounded
up), is one class registered at run time. It is then used, without an edit
anywhere else, by ``EpochResampler`` in memory, the torch ``EpochSampler``,
the dask resampler and a polars LazyFrame (an epoch as a query), and its
schedule, ``draw`` and streaming follow the hooks it inherits.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from skweight import EpochResampler
from skweight.resampling.strategies import STRATEGIES, Strategy, register_strategy
from skweight.weighting.schedules import Schedule


class Half(Strategy):
    """Every unit cut to ceil(n / 2) rows, rotating: a row every other epoch."""

    name = "half"

    def default_targets(self, units):
        return (units.counts + 1) // 2


@pytest.fixture
def half():
    strategy = register_strategy(Half())
    yield strategy
    STRATEGIES.pop("half")


N = 120
RNG = np.random.default_rng(0)
DF = pd.DataFrame(
    {
        "id": RNG.permutation(N) * 7 + 3,
        "g": RNG.choice(["f", "m"], N, p=[0.3, 0.7]),
        "y": RNG.choice([0, 1], N, p=[0.8, 0.2]),
    }
)


def _unit_sizes(frame, rows):
    return frame.iloc[rows].groupby(["g", "y"]).size()


def test_a_registered_strategy_draws_its_targets_in_memory(half):
    rs = EpochResampler("half", groups="g", balance="joint", random_state=0).fit(DF, "y")
    sizes = DF.groupby(["g", "y"]).size()
    assert list(rs.targets_.values()) == ((sizes + 1) // 2).tolist()
    assert rs.epoch_size_ == int(((sizes + 1) // 2).sum())
    assert rs.cell_table_["cycle"].max() <= 2
    # Rotating: over two epochs each row of an even unit comes exactly once.
    both = np.concatenate([rs.epoch_indices(0), rs.epoch_indices(1)])
    for key, size in sizes.items():
        inside = np.flatnonzero((DF["g"] == key[0]) & (DF["y"] == key[1]))
        drawn = both[np.isin(both, inside)]
        if size % 2 == 0:
            assert np.array_equal(np.sort(drawn), inside)
    # imbalanced-learn's dict and fit_resample come from the shared hooks.
    X_res, y_res = EpochResampler("half", random_state=0).fit_resample(DF, DF["y"])
    assert len(X_res) == len(y_res) == int(((DF["y"].value_counts() + 1) // 2).sum())


def test_a_registered_strategy_uses_the_inherited_options(half):
    rs = EpochResampler("half", groups="g", balance="joint", draw="random", random_state=0)
    rows = rs.fit(DF, "y").epoch_indices(0)
    assert_array_equal(
        _unit_sizes(DF, rows).to_numpy(), np.array(list(rs.targets_.values()))
    )
    ramp = Schedule("linear", start=0, stop=2)
    scheduled = EpochResampler("half", schedule=ramp, random_state=0).fit(DF, "y")
    assert scheduled.epoch_size(0) == N  # strength 0: every row once
    assert scheduled.epoch_size(2) == scheduled.epoch_size_
    with pytest.raises(ValueError, match="strategy='half' follows a strength"):
        beta = Schedule("linear", stop=2, low=0.9, high=0.99, param="beta")
        EpochResampler("half", schedule=beta).fit(DF, "y")
    with pytest.raises(ValueError, match="strategy='half'"):
        EpochResampler("half", shrinkage=0.1).fit(DF, "y")


def test_the_parameter_check_reads_the_registry():
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="strategy"):
        EpochResampler("half").fit(DF, "y")
    register_strategy(Half())
    try:
        EpochResampler("half").fit(DF, "y")
        with pytest.raises(ValueError, match="already registered"):
            register_strategy(Half())
    finally:
        STRATEGIES.pop("half")
    with pytest.raises(TypeError, match="Strategy instance"):
        register_strategy(Half)


def test_a_registered_strategy_drives_the_torch_sampler(half):
    pytest.importorskip("torch")
    from skweight.torch import EpochSampler

    rs = EpochResampler("half", groups="g", balance="joint", random_state=3).fit(DF, "y")
    sampler = EpochSampler(rs)
    for epoch in (0, 1, 4):
        sampler.set_epoch(epoch)
        assert list(sampler) == rs.epoch_indices(epoch).tolist()


def test_a_registered_strategy_runs_on_dask(half):
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    from skweight.dask import DaskEpochResampler

    ddf = dd.from_pandas(DF, npartitions=3)
    rs = DaskEpochResampler("half", groups="g", balance="joint", random_state=0).fit(
        ddf, ddf["y"]
    )
    memory = EpochResampler("half", groups="g", balance="joint", random_state=0).fit(
        DF, DF["y"]
    )
    assert rs.targets_ == memory.targets_
    X_e, y_e = dask.compute(*rs.resample(ddf, ddf["y"], epoch=1))
    assert len(X_e) == rs.epoch_size_
    got = X_e.groupby(["g", "y"]).size()
    assert got.tolist() == list(memory.targets_.values())


def test_a_registered_strategy_runs_on_a_lazy_frame(half):
    pl = pytest.importorskip("polars")
    lf = pl.from_pandas(DF).lazy()
    lazy = EpochResampler(
        "half", groups="g", balance="joint", row_id="id", random_state=5
    ).fit(lf, "y")
    eager = EpochResampler(
        "half", groups="g", balance="joint", row_id="id", random_state=5
    ).fit(DF, "y")
    assert lazy.targets_ == eager.targets_
    for epoch in (0, 3):
        rows, _ = lazy.resample(lf, epoch=epoch)
        assert_array_equal(
            np.sort(rows.collect()["id"].to_numpy()),
            np.sort(DF["id"].to_numpy()[eager.epoch_indices(epoch)]),
        )
