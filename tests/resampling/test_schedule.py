"""EpochResampler(schedule=...): epochs whose targets or weights follow a schedule."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from skweight.schedules import Schedule

Y = np.repeat([0, 1, 2], [120, 40, 10])


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_a_step_starts_plain_then_draws_the_fitted_epochs(strategy):
    scheduled = EpochResampler(strategy, schedule=Schedule.step(at=2), random_state=4).fit(
        None, Y
    )
    plain = EpochResampler(strategy, random_state=4).fit(None, Y)
    for epoch in (0, 1):
        rows = scheduled.epoch_indices(epoch)
        assert sorted(rows.tolist()) == list(range(len(Y)))  # every row once
        assert scheduled.epoch_size(epoch) == len(Y)
    for epoch in (2, 3, 50):
        assert_array_equal(scheduled.epoch_indices(epoch), plain.epoch_indices(epoch))
        assert scheduled.epoch_size(epoch) == plain.epoch_size_
    assert scheduled.epoch_size_ == plain.epoch_size_


@pytest.mark.parametrize("strategy", ["under", "over"])
def test_a_ramp_moves_each_unit_from_its_size_to_its_target(strategy):
    schedule = Schedule.linear(0, 4)
    rs = EpochResampler(strategy, schedule=schedule, random_state=0).fit(None, Y)
    counts = np.array([120, 40, 10])
    target = np.array(list(rs.targets_.values()))
    for epoch in range(6):
        s = schedule(epoch)
        expected = np.floor(counts + s * (target - counts) + 0.5).astype(int)
        rows = rs.epoch_indices(epoch)
        assert_array_equal(np.bincount(Y[rows], minlength=3), expected)
        assert rs.epoch_size(epoch) == expected.sum() == len(rows)
        assert_array_equal(rs.epoch_indices(epoch), rows)  # reproducible


def test_weights_follow_the_weighter_at_each_epoch():
    # Progressive balancing: strength 0 draws like the data, 1 balanced.
    schedule = Schedule.linear(0, 10)
    rs = EpochResampler("weights", schedule=schedule, random_state=1).fit(None, Y)
    plain = EpochResampler("weights", random_state=1).fit(None, Y)
    assert_array_equal(rs.epoch_indices(10), plain.epoch_indices(10))
    assert_array_equal(np.bincount(Y[rs.epoch_indices(0)]), [120, 40, 10])
    half = np.bincount(Y[rs.epoch_indices(5)], minlength=3)
    expected = GroupBalancedWeighter(strength=0.5).fit_weight(None, Y)
    assert_allclose(half, np.bincount(Y, weights=expected), atol=1)


def test_weights_with_sample_weight_and_a_beta_schedule():
    sw = np.linspace(0.5, 2.0, len(Y))
    schedule = Schedule.step(at=3, low=0.5, high=0.999, param="beta")
    rs = EpochResampler(
        "weights",
        weighter=EffectiveNumberWeighter(beta=0.9),
        schedule=schedule,
        random_state=2,
    ).fit(None, Y, sample_weight=sw)
    for epoch, beta in ((0, 0.5), (3, 0.999)):
        reference = EpochResampler(
            "weights", weighter=EffectiveNumberWeighter(beta=beta), random_state=2
        ).fit(None, Y, sample_weight=sw)
        assert_array_equal(rs.epoch_indices(epoch), reference.epoch_indices(epoch))


def test_groups_within_strata_follow_the_schedule():
    X = pd.DataFrame({"s": np.tile([0, 1], 85), "g": np.repeat(["f", "m"], [130, 40])})
    rs = EpochResampler(
        "under", groups="g", strata="s", schedule=Schedule.step(at=1), random_state=0
    ).fit(X, Y)
    plain = EpochResampler("under", groups="g", strata="s", random_state=0).fit(X, Y)
    assert sorted(rs.epoch_indices(0).tolist()) == list(range(len(Y)))
    assert_array_equal(rs.epoch_indices(1), plain.epoch_indices(1))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            dict(strategy="under", schedule=Schedule.constant(0.9, param="beta")),
            "follows a strength schedule",
        ),
        (
            dict(strategy="over", schedule=Schedule.linear(0, 3, high=2.0)),
            r"must stay in \[0, 1\]",
        ),
        (
            dict(strategy="weights", schedule=Schedule.constant(0.9, param="beta")),
            "does not have",
        ),
        (dict(strategy="under", schedule=0.5), "'schedule' parameter"),
    ],
)
def test_bad_schedules_are_refused(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        EpochResampler(**kwargs).fit(None, Y)


def test_the_torch_sampler_follows_the_epoch_size():
    pytest.importorskip("torch")
    from skweight.torch import EpochSampler

    rs = EpochResampler("under", schedule=Schedule.step(at=1), random_state=0).fit(None, Y)
    sampler = EpochSampler(rs, num_replicas=2, rank=1)
    assert len(sampler) == 85
    sampler.set_epoch(1)
    assert len(sampler) == 15 and len(list(sampler)) == 15
    state = sampler.state_dict()
    resumed = EpochSampler(rs, num_replicas=2, rank=1)
    resumed.load_state_dict(state)
    assert len(resumed) == 15 and list(resumed) == []


def test_dask_refuses_a_schedule():
    dd = pytest.importorskip("dask.dataframe")
    frame = dd.from_pandas(pd.DataFrame({"y": Y}), npartitions=2)
    with pytest.raises(ValueError, match="schedule= is for rows in memory"):
        EpochResampler(schedule=Schedule.step(at=1)).fit(frame, "y")
