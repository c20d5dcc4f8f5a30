"""Schedules: a weighter parameter's value per epoch, applied without refitting."""

import copy

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from skweight import EffectiveNumberWeighter, EpochResampler, GroupBalancedWeighter
from skweight.schedules import Schedule, at_epoch

Y = np.repeat([0, 1, 2], [60, 30, 10])


@pytest.mark.parametrize(
    "schedule, values",
    [
        (Schedule.constant(0.3), {0: 0.3, 7: 0.3, 10**9: 0.3}),
        (Schedule.step(at=160), {0: 0.0, 159: 0.0, 160: 1.0, 999: 1.0}),
        (Schedule.step(at=2, low=0.2, high=0.9), {1: 0.2, 2: 0.9}),
        (Schedule.linear(10, 20), {0: 0.0, 10: 0.0, 12: 0.2, 15: 0.5, 20: 1.0, 25: 1.0}),
        (Schedule.linear(0, 4, low=1.0, high=0.0), {0: 1.0, 1: 0.75, 4: 0.0}),
        (Schedule.cosine(0, 2), {0: 0.0, 1: 0.5, 2: 1.0}),
        (
            Schedule.cosine(0, 4),
            {1: (1 - np.cos(np.pi / 4)) / 2, 3: (1 - np.cos(3 * np.pi / 4)) / 2},
        ),
    ],
)
def test_values_per_epoch(schedule, values):
    for epoch, expected in values.items():
        assert schedule(epoch) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(kind="exp"), "kind must be one of"),
        (dict(kind="linear", start=5, stop=5), "needs stop, an int > start"),
        (dict(kind="linear", start=0), "needs stop"),
        (dict(kind="step", start=1, stop=3), "stop is for the linear and cosine"),
        (dict(kind="step", start=-1), "start must be an int >= 0"),
        (dict(kind="constant", high=np.nan), "high must be a finite number"),
        (dict(kind="constant", low="0"), "low must be a finite number"),
        (
            dict(kind="constant", param="alpha"),
            "param must be 'strength', 'beta' or 'power'",
        ),
    ],
)
def test_bad_schedules(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Schedule(**kwargs)


def test_bad_epochs_repr_equality_and_copies():
    schedule = Schedule.linear(2, 8, low=0.1, param="beta")
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        schedule(-1)
    with pytest.raises(ValueError, match="epoch must be an int >= 0"):
        schedule(1.5)
    assert (
        repr(schedule)
        == "Schedule('linear', start=2, stop=8, low=0.1, high=1.0, param='beta')"
    )
    assert repr(Schedule.constant(0.5)) == "Schedule('constant', high=0.5)"
    assert copy.deepcopy(schedule) == schedule and hash(copy.copy(schedule)) == hash(
        schedule
    )
    assert schedule != Schedule.linear(2, 8)
    resampler = EpochResampler(schedule=Schedule.step(at=3))
    assert clone(resampler).schedule == resampler.schedule


@pytest.mark.parametrize("epoch", [0, 3, 5, 10])
def test_at_epoch_equals_a_weighter_fit_with_that_value(epoch):
    X = pd.DataFrame({"g": np.tile(["a", "b", "b", "c"], 25)})
    schedule = Schedule.linear(0, 10)
    params = dict(groups="g", balance="joint", max_weight=3.0)
    fitted = GroupBalancedWeighter(**params).fit(X, Y)
    scheduled = at_epoch(fitted, schedule, epoch)
    expected = GroupBalancedWeighter(**params, strength=schedule(epoch)).fit_weight(X, Y)
    assert_allclose(scheduled.weight(X, Y), expected)
    assert fitted.strength == 1.0  # the fitted weighter is unchanged
    pd.testing.assert_frame_equal(
        scheduled.weight_table_.drop(columns="factor"),
        fitted.weight_table_.drop(columns="factor"),
    )


def test_a_beta_schedule_for_the_effective_number():
    fitted = EffectiveNumberWeighter(beta=0.5).fit(None, Y)
    schedule = Schedule.step(at=4, low=0.9, high=0.999, param="beta")
    for epoch in (0, 4):
        expected = EffectiveNumberWeighter(beta=schedule(epoch)).fit_weight(None, Y)
        assert_allclose(at_epoch(fitted, schedule, epoch).weight(None, Y), expected)


def test_multi_output_weighters_follow_per_output():
    y = np.c_[Y, Y[::-1] + 5]
    fitted = GroupBalancedWeighter().fit(None, y)
    expected = GroupBalancedWeighter(strength=0.5).fit_weight(None, y)
    assert_allclose(at_epoch(fitted, Schedule.constant(0.5), 0).weight(None, y), expected)


def test_at_epoch_errors():
    fitted = GroupBalancedWeighter().fit(None, Y)
    assert at_epoch(fitted, None, 3) is fitted
    with pytest.raises(TypeError, match="schedule must be a Schedule"):
        at_epoch(fitted, 0.5, 3)
    with pytest.raises(ValueError, match="does not have"):
        at_epoch(
            EffectiveNumberWeighter().fit(None, Y), Schedule.constant(2.0, param="power"), 0
        )
    with pytest.raises(ValueError, match="'beta' parameter"):
        at_epoch(
            EffectiveNumberWeighter().fit(None, Y), Schedule.constant(1.5, param="beta"), 0
        )
    raw = GroupBalancedWeighter(normalize=None).fit(None, Y)
    with pytest.raises(ValueError, match="normalize=None"):
        at_epoch(raw, Schedule.constant(0.5), 0)
