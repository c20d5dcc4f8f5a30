"""Loss weights that follow a schedule: class weights, pos_weight, WeightedDataset."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from numpy.testing import assert_allclose  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

from skweight import GroupBalancedWeighter  # noqa: E402
from skweight.schedules import Schedule  # noqa: E402
from skweight.torch import WeightedDataset, class_weight_tensor, pos_weight_tensor  # noqa: E402

Y = np.repeat([0, 1, 2], [60, 30, 10])
WEIGHTER = GroupBalancedWeighter().fit(None, Y)


def test_deferred_class_weights():
    drw = Schedule.step(at=160)
    assert torch.equal(
        class_weight_tensor(WEIGHTER, schedule=drw, epoch=159), torch.ones(3)
    )
    assert torch.allclose(
        class_weight_tensor(WEIGHTER, schedule=drw, epoch=160),
        class_weight_tensor(WEIGHTER),
    )
    ramp = Schedule.linear(0, 4)
    expected = GroupBalancedWeighter(strength=0.25).fit(None, Y)
    assert torch.allclose(
        class_weight_tensor(WEIGHTER, schedule=ramp, epoch=1), class_weight_tensor(expected)
    )
    with pytest.raises(ValueError, match="needs epoch="):
        class_weight_tensor(WEIGHTER, schedule=drw)


def test_pos_weight_follows_a_strength_schedule():
    labels = np.array([[1, 0], [0, 1], [0, 1], [0, 0], [0, 0]])
    weighter = GroupBalancedWeighter().fit(None, labels)
    full = weighter.pos_weight_
    ramp = Schedule.linear(0, 2)
    assert_allclose(pos_weight_tensor(weighter, schedule=ramp, epoch=0).numpy(), [1, 1])
    assert_allclose(
        pos_weight_tensor(weighter, schedule=ramp, epoch=1).numpy(),
        1 + 0.5 * (full - 1),
        rtol=1e-6,
    )
    assert_allclose(
        pos_weight_tensor(weighter, schedule=ramp, epoch=2).numpy(), full, rtol=1e-6
    )
    with pytest.raises(ValueError, match="strength schedule only"):
        pos_weight_tensor(weighter, schedule=Schedule.constant(0.9, param="beta"), epoch=0)
    with pytest.raises(ValueError, match="needs epoch="):
        pos_weight_tensor(weighter, schedule=ramp)


def test_weighted_dataset_recomputes_its_weights_per_epoch():
    data = TensorDataset(torch.arange(len(Y)), torch.from_numpy(Y))
    sw = np.linspace(0.5, 1.5, len(Y))
    schedule = Schedule.linear(0, 2)
    ds = WeightedDataset.from_weighter(
        data, WEIGHTER, None, Y, schedule=schedule, sample_weight=sw
    )
    assert_allclose(ds.weights.numpy(), sw, rtol=1e-6)  # strength 0
    for epoch in (1, 2):
        ds.set_epoch(epoch)
        expected = (
            GroupBalancedWeighter(strength=schedule(epoch))
            .fit(None, Y)
            .weight(None, Y, sample_weight=sw)
        )
        assert_allclose(ds.weights.numpy(), expected, rtol=1e-6)
        x, y, w = next(iter(DataLoader(ds, batch_size=len(Y))))
        assert_allclose(w.numpy(), expected, rtol=1e-6)


def test_weighted_dataset_without_schedule_and_errors():
    data = TensorDataset(torch.arange(len(Y)))
    ds = WeightedDataset.from_weighter(data, WEIGHTER, None, Y)
    assert_allclose(ds.weights.numpy(), WEIGHTER.weight(None, Y), rtol=1e-6)
    ds.set_epoch(9)  # the same weights
    assert_allclose(ds.weights.numpy(), WEIGHTER.weight(None, Y), rtol=1e-6)
    with pytest.raises(ValueError, match="holds fixed weights"):
        WeightedDataset(data, np.ones(len(Y))).set_epoch(1)
    multi = GroupBalancedWeighter().fit(None, np.c_[Y, Y + 3])
    with pytest.raises(ValueError, match="multi-output"):
        WeightedDataset.from_weighter(data, multi, None, np.c_[Y, Y + 3])
