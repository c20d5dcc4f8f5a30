"""Logit-adjusted, Balanced Softmax and LDAM losses from a weighter's counts."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from skweight import GroupBalancedWeighter  # noqa: E402
from skweight.priors import class_priors  # noqa: E402
from skweight.torch import BalancedSoftmaxLoss, LDAMLoss, LogitAdjustedLoss  # noqa: E402

Y = np.repeat([0, 1, 2], [70, 25, 5])
WEIGHTER = GroupBalancedWeighter().fit(None, Y)
LOGITS = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
TARGET = torch.tensor([0, 1, 2, 2] * 4)


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 2.0])
def test_logit_adjusted_loss_is_cross_entropy_on_shifted_logits(tau):
    prior = torch.tensor(class_priors(WEIGHTER), dtype=torch.float32)
    expected = F.cross_entropy(LOGITS + tau * prior.log(), TARGET)
    assert torch.allclose(LogitAdjustedLoss(WEIGHTER, tau=tau)(LOGITS, TARGET), expected)


def test_balanced_softmax_is_tau_one_and_keeps_options():
    weight = torch.tensor([1.0, 2.0, 3.0])
    a = BalancedSoftmaxLoss(WEIGHTER, weight=weight, reduction="none")(LOGITS, TARGET)
    b = LogitAdjustedLoss(WEIGHTER, tau=1.0, weight=weight, reduction="none")(
        LOGITS, TARGET
    )
    assert a.shape == (16,) and torch.equal(a, b)
    summed = BalancedSoftmaxLoss(WEIGHTER, reduction="sum")(LOGITS, TARGET)
    assert torch.allclose(
        summed, BalancedSoftmaxLoss(WEIGHTER, reduction="none")(LOGITS, TARGET).sum()
    )


def test_offsets_per_group_pick_each_rows_group():
    import pandas as pd

    X = pd.DataFrame({"g": np.tile(["a", "b"], 50)})
    weighter = GroupBalancedWeighter(groups="g", balance="joint", max_weight=3.0).fit(X, Y)
    loss = LogitAdjustedLoss(weighter, by="groups")
    assert list(loss.groups) == ["a", "b"] and loss.offsets.shape == (2, 3)
    group = torch.tensor(loss.groups.get_indexer(np.tile(["a", "b"], 8)))
    expected = F.cross_entropy(LOGITS + loss.offsets[group], TARGET)
    assert torch.allclose(loss(LOGITS, TARGET, group=group), expected)
    with pytest.raises(ValueError, match="pass group="):
        loss(LOGITS, TARGET)
    with pytest.raises(ValueError, match="one prior per class"):
        LogitAdjustedLoss(WEIGHTER)(LOGITS, TARGET, group=group)


def test_ldam_subtracts_the_true_class_margin():
    loss = LDAMLoss(WEIGHTER, max_margin=0.5, scale=10.0)
    counts = np.array([70, 25, 5], dtype=float)
    assert_allclose(loss.margins.numpy(), 0.5 * (5 / counts) ** 0.25, rtol=1e-6)
    shifted = LOGITS.clone()
    shifted[torch.arange(16), TARGET] -= loss.margins[TARGET]
    assert torch.allclose(loss(LOGITS, TARGET), F.cross_entropy(10.0 * shifted, TARGET))


def test_buffers_move_with_the_module_and_follow_the_logits_dtype():
    loss = BalancedSoftmaxLoss(WEIGHTER).to(torch.float64)
    assert loss.offsets.dtype == torch.float64
    assert loss(LOGITS.double(), TARGET).dtype == torch.float64
    assert "offsets" in loss.state_dict()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: LogitAdjustedLoss(WEIGHTER, reduction="avg"), "reduction must be one of"),
        (lambda: LDAMLoss(WEIGHTER, scale=0), "scale must be a finite number > 0"),
        (lambda: LDAMLoss(WEIGHTER, reduction="avg"), "reduction must be one of"),
        (lambda: LogitAdjustedLoss(WEIGHTER, tau=-1), "tau must be"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_balanced_softmax_lifts_the_rare_class_recall():
    # A linear model on overlapping classes: the plain loss rarely predicts
    # the rare class; Balanced Softmax trains logits for the balanced error.
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [950, 50])
    x = torch.tensor(rng.normal(size=(1000, 2)) + y[:, None] * 1.0, dtype=torch.float32)
    target = torch.from_numpy(y)
    weighter = GroupBalancedWeighter().fit(None, y)
    recalls = []
    for loss_fn in (torch.nn.CrossEntropyLoss(), BalancedSoftmaxLoss(weighter)):
        torch.manual_seed(0)
        model = torch.nn.Linear(2, 2)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        for _ in range(300):
            optimizer.zero_grad()
            loss_fn(model(x), target).backward()
            optimizer.step()
        predicted = model(x).argmax(1).numpy()
        recalls.append((predicted[y == 1] == 1).mean())
    assert recalls[1] > recalls[0] + 0.3


@pytest.mark.parametrize(
    "classes, match",
    [
        ([0, 1], r"leaves out \[2\]"),
        ([0, 1, 1, 2], r"repeats \[1\]"),
        ([0, 1, 5], r"not seen by the weighter"),
    ],
)
def test_class_weight_tensor_needs_every_fitted_class_once(classes, match):
    from skweight import GroupBalancedWeighter
    from skweight.torch import class_weight_tensor

    weighter = GroupBalancedWeighter().fit(None, [0, 0, 1, 2])
    with pytest.raises(ValueError, match=match):
        class_weight_tensor(weighter, classes=classes)
    assert class_weight_tensor(weighter, classes=[2, 1, 0]).tolist() == pytest.approx(
        class_weight_tensor(weighter).tolist()[::-1]
    )
